"""The ``eval`` command: score retrieval, answers and citations on question sets, and gate on them."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from assistant.cli.archive import run_ingest
from assistant.cli.common import (
    AnswererOption,
    HomeOption,
    JsonOption,
    RetrieverOption,
    SinceOption,
    SourceOption,
    TopKOption,
    UntilOption,
    build,
    err,
    existing_archive,
    fail,
    json_errors,
    out,
    parse_day,
    user_errors,
)


def eval_command(
    sets: Annotated[list[Path], typer.Argument(metavar="SET", help="Question sets: JSONL, or MultiHop-RAG's native JSON list.")],
    corpus: Annotated[Optional[list[Path]], typer.Option("--corpus", metavar="PATH", help="Ingest this into a fresh temporary home first.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", metavar="FOLDER", help="Write report.json, report.md and PNG plots here.")] = None,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", metavar="REPORT", help="A report.json to compare against.")] = None,
    fail_under: Annotated[Optional[list[str]], typer.Option("--fail-under", metavar="METRIC=VALUE", help="Gate metric=value: fail when below (repeatable).")] = None,
    fail_over: Annotated[Optional[list[str]], typer.Option("--fail-over", metavar="METRIC=VALUE", help="Gate metric=value: fail when above, for latency, tokens, false refusals (repeatable).")] = None,
    max_regression: Annotated[Optional[list[str]], typer.Option("--max-regression", metavar="METRIC=VALUE", help="Gate metric=value: fail when worse than the baseline by more (repeatable).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, metavar="N", help="Questions answered concurrently.")] = 1,
    judge: Annotated[bool, typer.Option("--judge", metavar="", help="Also grade answers with the configured LLM endpoint (correctness 1-5, faithfulness).")] = False,
    k: TopKOption = None,
    as_json: JsonOption = False,
    answerer: AnswererOption = None,
    retriever: RetrieverOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    ignore_as_of: Annotated[bool, typer.Option(
        "--ignore-as-of", metavar="",
        help="Ignore the questions' as_of days: search the whole archive with no date preference (to measure what as_of brings).")] = False,
    home: HomeOption = None,
) -> None:
    """Score retrieval, answers and citations on question sets; gate releases on the results.

    Exit code 1 when a --fail-under, --fail-over or --max-regression gate fails, 2 on bad input.
    """
    json_errors(as_json)
    from eval.catalog import set_label
    from eval.gates import Gates, check_baseline_pairs, load_baseline, parse_gates
    from eval.sets import check_evidence_known, load_question_set, resolve_copies

    with user_errors():
        gates = Gates(parse_gates(fail_under, "--fail-under"), parse_gates(fail_over, "--fail-over"),
                      parse_gates(max_regression, "--max-regression"))
        if gates.max_regression and baseline is None:
            fail("--max-regression needs --baseline report.json")
        before = load_baseline(baseline) if baseline else None
        check_set_names(sets)
        loaded = [(str(path), load_question_set(path)) for path in sets]
        if ignore_as_of:
            loaded = [(path, [replace(q, as_of=None) for q in questions]) for path, questions in loaded]
        keys = {(set_label(path), q.id) for path, questions in loaded for q in questions}
        shared = check_baseline_pairs(before, baseline, keys) if before else 0
    if out_dir:
        check_out_dir(out_dir)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as scratch:
        nd = build(home=Path(scratch) if corpus else home, top_k=k, answerer=answerer, retriever=retriever,
                   source=source, since=parse_day(since, "--since"), until=parse_day(until, "--until"))
        if not corpus:
            existing_archive(nd)
        grader = None
        if judge:
            from eval.judge import Judge

            with user_errors():
                grader = Judge(nd.settings)
        if corpus:
            report = run_ingest(nd, corpus, as_json=True)
            if report.failed:  # scoring against part of the corpus would blame the retriever for missing articles
                for failure in report.failed:
                    err.print(f"[red]failed[/] {escape(failure.line())}")
                fail(f"--corpus: {len(report.failed)} file(s) or article(s) failed to ingest (listed above); nothing was scored")
            if not as_json:
                err.print(f"corpus: {report.summary_line()}")
        known = set(nd.manifest.doc_ids())
        folded = nd.manifest.folded_copies()  # evidence stored as a near-duplicate of another story
        loaded = [(path, resolve_copies(questions, folded)) for path, questions in loaded]
        if not known:
            where = "--corpus " + " ".join(map(str, corpus)) if corpus else f"the archive at {nd.settings.home}"
            fail(f"{where} holds no documents: there is nothing to score against")
        with user_errors():
            for path, questions in loaded:
                check_evidence_known(questions, known, Path(path))
            result = run_with_progress(nd, loaded, workers, as_json, grader)
        # while the scratch home exists: with --corpus, the plots' matplotlib cache is written there
        # (ingest.offline.confine) and deleted with it
        show_results(result.as_json(), before, gates, baseline, shared, len(keys), out_dir, as_json)


def show_results(data: dict, before: dict | None, gates, baseline: Path | None, shared: int, questions: int,
                 out_dir: Path | None, as_json: bool) -> None:
    """The tables (or JSON), the report folder, and the gates' verdict (exit code 1 when one fails)."""
    from eval.gates import compare, flipped_answers
    from eval.report import comparison_table, summary_table, type_table, write_report

    rows = compare(data, before, gates)
    data["comparison"] = {"baseline": str(baseline) if baseline else None, "rows": [r.as_json() for r in rows]}
    if before:
        data["comparison"]["paired_questions"] = shared
        data["comparison"]["baseline_settings"] = before.get("settings", {})
        data["comparison"]["flipped"] = flipped_answers(data, before)
    failed = [r for r in rows if r.failed]
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        if not out.is_terminal:
            out.width = max(out.width, 140)  # logs and CI: wide enough that no number is cut
        out.print(summary_table(data))
        out.print(type_table(data))
        if rows:
            out.print(comparison_table(rows, str(baseline) if baseline else None))
        if before:
            out.print(f"[dim]{escape(baseline_difference(before.get('settings', {}), data['settings'], shared, questions))}[/]")
            for direction, label in (("now_right", "now right"), ("now_wrong", "now wrong")):
                flipped = data["comparison"]["flipped"][direction]
                if flipped:
                    listed = ", ".join(flipped[:12]) + (f" and {len(flipped) - 12} more" if len(flipped) > 12 else "")
                    out.print(f"answers {label} ({len(flipped)}): {escape(listed)}")
        s = data["settings"]
        out.print(f"[dim]retriever {s['retriever']}, answerer {s['answerer']} ({escape(s['model'])}), top_k {s['top_k']}"
                  + (f"; wrote {escape(str(out_dir))}" if out_dir else "") + "[/]")
        out.print(f"[dim]replies: {escape(answered_by(data['questions']))}[/]")
    if out_dir:  # after the tables, so a folder that became unwritable mid-run does not cost the results
        try:
            write_report(out_dir, data, rows, str(baseline) if baseline else None)
        except OSError as exc:
            fail(f"--out {out_dir}: cannot write the report: {exc.strerror or exc}")
    if failed:
        err.print("[bold red]gate failed:[/] " + "; ".join(f"{r.metric} {escape(r.gate.removeprefix('FAIL: '))}" for r in failed))
        raise typer.Exit(1)


def baseline_difference(then: dict, now: dict, shared: int, total: int) -> str:
    """One line: how many questions are paired with the baseline, and which settings differ from it."""
    pairs = f"paired with the baseline on {shared} of {total} questions" + ("" if shared == total else
                                                                           " (the rest are in one run only)")
    changed = [f"{key} {then[key]} -> {now[key]}" for key in now if key in then and then[key] != now[key]]
    return pairs + ("; settings changed: " + ", ".join(changed) if changed else "; same settings")


def check_set_names(sets: list[Path]) -> None:
    """Questions are paired across runs, and shown in columns, by set file name and id: two sets with one
    name would be scored (and paired with a baseline) as one."""
    from eval.catalog import set_label

    seen: dict[str, Path] = {}
    for path in sets:
        label = set_label(str(path))
        if label in seen:
            same = seen[label].resolve() == path.resolve()
            fail(f"{path}: " + ("the same question set is given twice" if same else
                                f"shares the file name {label!r} with {seen[label]}; reports pair questions by "
                                "set file name and id, so give each set its own file name"))
        seen[label] = path


def check_out_dir(out_dir: Path) -> None:
    """Fail before the run, not after it, when --out cannot take the report."""
    target = out_dir.resolve()
    if target.exists() and not target.is_dir():
        fail(f"--out {out_dir}: exists and is not a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryDirectory(prefix=f".{target.name}.probe-", dir=target.parent).cleanup()
    except OSError as exc:
        fail(f"--out {out_dir}: cannot write there: {exc.strerror or exc}")


def answered_by(questions: list[dict]) -> str:
    """How many replies each answerer gave, and how many were refusals ("local 12, extractive 70, refused 18")."""
    counts = Counter("refused" if q["refused"] else q["answerer"] for q in questions)
    return ", ".join(f"{name} {n}" for name, n in counts.most_common())


def run_with_progress(nd, loaded, workers: int, as_json: bool, judge=None):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from eval.runner import run_eval

    total = sum(len(questions) for _, questions in loaded)
    with Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, disable=as_json or not err.is_terminal, transient=True) as bar:
        task = bar.add_task("eval", total=total)
        return run_eval(nd, loaded, workers, lambda done, _total: bar.update(task, completed=done), judge)
