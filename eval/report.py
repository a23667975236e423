"""Reports of a run: report.json, report.md and PNG plots written atomically, and rich tables."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from eval.catalog import BY_TYPE, METRICS, set_label
from eval.gates import Row, change_word


def format_value(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def format_delta(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.3f}"


def format_ci(ci: list[float] | tuple[float, float] | None, signed: bool = False) -> str:
    if ci is None:
        return ""
    fmt = "{:+.3f}" if signed else "{:.3f}"
    return f"[{fmt.format(ci[0])}, {fmt.format(ci[1])}]"


def summary_rows(report: dict) -> list[tuple[str, str]]:
    """(metric key, label) of every figure the run measured, in METRICS order, counts first."""
    rows = [("questions", "Questions"), ("null_questions", "Null questions")]
    return rows + [(k, label) for k, (label, _) in METRICS.items() if report["summary"].get(k) is not None]


def comparison_cells(row: Row) -> list[str]:
    """The metric by the name gates use, so a row can be copied into --max-regression. "Change" reads the
    paired delta when there is one (same questions in both runs), else the plain delta."""
    paired = "" if row.paired is None else f"{row.paired[0]:+.3f} {format_ci(row.paired[1], signed=True)}"
    change = change_word(row.metric, row.paired[0] if row.paired else row.delta)
    return [row.metric, format_value(row.current), format_value(row.baseline), format_delta(row.delta),
            paired, str(row.paired_n) if row.paired else "", change, row.gate]


COMPARISON_HEADER = ["Metric", "Current", "Baseline", "Delta", "Paired delta [95% CI]", "Pairs", "Change", "Gate"]
CHANGE_STYLE = {"better": "green", "worse": "red"}


def md_cell(value) -> str:
    """A value as one Markdown table cell: pipes escaped, one line, yes/no for booleans, "-" for none."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def markdown(report: dict, rows: list[Row], baseline_path: str | None) -> str:
    s = report["settings"]
    lines = [
        "# Newsdesk eval report", "",
        f"Sets: {', '.join(md_cell(n) for n in report['sets'])}. Questions: {report['summary']['questions']} "
        f"({report['summary']['null_questions']} null). Created {report['created']}.", "",
        "Settings: " + ", ".join(f"{k}={md_cell(v)}" for k, v in s.items()), "",
        "## Summary", "", "| Metric | Value | 95% CI |", "|---|---:|---|",
    ]
    for key, label in summary_rows(report):
        lines.append(f"| {label} | {format_value(report['summary'][key])} | {format_ci(report['intervals'].get(key))} |")
    if report["set_summaries"]:
        names = list(report["set_summaries"])
        lines += ["", "## By set", "", "| Metric | " + " | ".join(md_cell(set_label(n)) for n in names) + " |",
                  "|---|" + "---:|" * len(names)]
        for key, label in summary_rows(report):
            lines.append(f"| {label} | " + " | ".join(format_value(report["set_summaries"][n].get(key)) for n in names) + " |")
    lines += ["", "## By question type", "", "| Type | Questions | " + " | ".join(METRICS[m][0] for m in BY_TYPE) + " |",
              "|---|---:|" + "---:|" * len(BY_TYPE)]
    for qtype, row in report["by_type"].items():
        lines.append(f"| {md_cell(qtype)} | {row['questions']} | " + " | ".join(format_value(row[m]) for m in BY_TYPE) + " |")
    if rows:
        title = f"## Against baseline {baseline_path}" if baseline_path else "## Gates"
        lines += ["", title, "", "| " + " | ".join(COMPARISON_HEADER) + " |", "|---|---:|---:|---:|---|---:|---|---|"]
        lines += ["| " + " | ".join(md_cell(c) for c in comparison_cells(r)) + " |" for r in rows]
    flips = report.get("comparison", {}).get("flipped")
    if flips:
        lines += ["", "## Answers that changed", "",
                  f"Now right ({len(flips['now_right'])}): {', '.join(flips['now_right']) or '-'}", "",
                  f"Now wrong ({len(flips['now_wrong'])}): {', '.join(flips['now_wrong']) or '-'}"]
    lines += ["", "## Plots", "", "![metrics by question type](metrics_by_type.png)", "", "![latency](latency.png)", "",
              "## Questions", "", "| set | id | type | correct | refused | first gold rank | answer |", "|---|---|---|---|---|---|---|"]
    for q in report["questions"]:
        rank = next((str(i) for i, d in enumerate(q["retrieved"][:10], 1) if d in q["gold"]), "-") if q["gold"] else "null"
        correct = {1.0: "yes", 0.0: "no"}.get(q["scores"].get("answer_accuracy"), "n/a")
        answer = q["answer"] if len(q["answer"]) <= 140 else q["answer"][:139] + "…"
        cells = [set_label(q["set"]), q["id"], q["question_type"], correct, q["refused"], rank, answer]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write_atomically(out: Path, writers: dict[str, Callable[[Path], None]]) -> None:
    """Each writer writes its file into a staging folder next to ``out``; only when all succeeded are
    the files moved into ``out`` (each move atomic). On any failure ``out`` is left as it was."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        for name, write in writers.items():
            write(staging / name)
        out.mkdir(exist_ok=True)
        for name in writers:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_report(out: Path, report: dict, rows: list[Row], baseline_path: str | None) -> None:
    from eval.plots import PLOTS

    text_files = {
        "report.json": json.dumps(report, indent=2, ensure_ascii=False),
        "report.md": markdown(report, rows, baseline_path),
    }
    writers: dict[str, Callable[[Path], None]] = {
        name: (lambda path, content=content: path.write_text(content, encoding="utf-8")) for name, content in text_files.items()
    }
    for name, plot in PLOTS.items():
        writers[name] = lambda path, plot=plot: plot(report, path)
    write_atomically(out, writers)


def summary_table(report: dict) -> Table:
    table = Table(title="Newsdesk eval")
    table.add_column("Metric", no_wrap=True)
    names = list(report["set_summaries"])
    for name in names:
        table.add_column(escape(set_label(name)), justify="right")
    table.add_column("all" if names else escape(set_label(report["sets"][0])), justify="right")
    table.add_column("95% CI", justify="right", style="dim")
    for key, label in summary_rows(report):
        cells = [format_value(report["set_summaries"][n].get(key)) for n in names]
        table.add_row(label, *cells, format_value(report["summary"][key]), format_ci(report["intervals"].get(key)))
    return table


def type_table(report: dict) -> Table:
    table = Table(title="By question type")
    for header in ["Type", "Questions", *(METRICS[m][0].replace(" (benchmark rule)", "") for m in BY_TYPE)]:
        table.add_column(header, justify="left" if header == "Type" else "right", no_wrap=header == "Type")
    for qtype, row in report["by_type"].items():
        table.add_row(escape(qtype), str(row["questions"]), *(format_value(row[m]) for m in BY_TYPE))
    return table


def comparison_table(rows: list[Row], baseline_path: str | None) -> Table:
    table = Table(title=f"Against baseline {escape(baseline_path)}" if baseline_path else "Gates")
    for header in COMPARISON_HEADER:
        table.add_column(header, justify="left" if header in ("Metric", "Gate") else "right", no_wrap=header != "Gate")
    for row in rows:
        cells = comparison_cells(row)
        change = cells[-2]
        if change in CHANGE_STYLE:
            cells[-2] = f"[{CHANGE_STYLE[change]}]{change}[/]"
        if row.failed:
            cells[-1] = f"[bold red]{cells[-1]}[/]"
        elif row.gate == "pass":
            cells[-1] = f"[green]{cells[-1]}[/]"
        table.add_row(*cells)
    return table

