"""The claim commands: ``verify`` (labelled claim/evidence pairs) and ``check`` (a draft against the
archive)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.answering import citation_meta
from assistant.cli.common import (
    HomeOption,
    JsonOption,
    build,
    err,
    existing_archive,
    fail,
    json_errors,
    out,
    user_errors,
)
from assistant.hedges import quoted

STATUS_STYLE = {"supported": "green", "contradicted": "red", "not found": "yellow"}


def verify(
    pairs_file: Annotated[Path, typer.Argument(metavar="PAIRS.jsonl", help="One JSON object a line: id, claim, evidence, and optionally label (1 supported, 0 not).")],
    as_json: JsonOption = False,
    with_llm: Annotated[bool, typer.Option("--with-llm", help="Also ask the configured OpenAI-compatible model (llm_base_url / OPENAI_API_KEY); its verdict counts only when the evidence it quotes is found verbatim.")] = False,
    home: HomeOption = None,
) -> None:
    """Judge whether each claim is supported by its evidence; with labels, print keep-supported,
    drop-unsupported and balanced accuracy. Exit code 1 when a row was malformed (the others are judged)."""
    json_errors(as_json)
    from assistant.claims import balanced_scores, read_pairs
    from assistant.verifier import verify as offline_verify

    settings = build(home=home).settings
    if with_llm and not settings.llm_configured():
        fail("--with-llm needs an OpenAI-compatible endpoint: set NEWSDESK_LLM_BASE_URL or OPENAI_API_KEY")
    with user_errors():
        pairs, errors = read_pairs(pairs_file)
    def judge(claim: str, evidence: str):
        if not with_llm:
            return offline_verify(claim, evidence)
        from assistant.verifier import verify_with_llm

        return verify_with_llm(claim, evidence, settings=settings).verdict

    results = []
    with _progress(len(pairs), as_json) as advance:
        for pair in pairs:
            verdict = judge(pair.claim, pair.evidence)
            results.append({"id": pair.id, "supported": verdict.supported, "label": verdict.label,
                            "score": round(verdict.score, 4), "reason": verdict.reason})
            advance()
    labelled = [(pair.label, row["supported"]) for pair, row in zip(pairs, results) if pair.label is not None]
    metrics = balanced_scores([g for g, _ in labelled], [p for _, p in labelled]) if labelled else {}
    for line in errors:
        err.print(f"[bold red]error:[/] {escape(line)}")
    if as_json:
        out.print_json(json.dumps({"results": results, "metrics": metrics, "errors": errors}, ensure_ascii=False))
    else:
        _print_verdicts(results, metrics)
    raise typer.Exit(1 if errors else 0)


def _progress(total: int, quiet: bool):
    """A progress bar on stderr for long files; a no-op counter otherwise."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    @contextmanager
    def bar():
        if quiet or total < 20:
            yield lambda: None
            return
        with Progress(TextColumn("judging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("claims", total=total)
            yield lambda: progress.advance(task)

    return bar()


def _print_verdicts(results: list[dict], metrics: dict) -> None:
    table = Table(show_lines=False)
    for column in ("id", "verdict", "score", "reason"):
        table.add_column(column, overflow="fold")
    for row in results:
        style = STATUS_STYLE.get(row["label"].replace("not enough info", "not found"), "")
        table.add_row(escape(row["id"]), f"[{style}]{row['label']}[/]", f"{row['score']:.2f}", escape(row["reason"]))
    out.print(table)
    if metrics:
        parts = [f"{name.replace('_', ' ')} {value:.3f}" for name, value in metrics.items()
                 if isinstance(value, float)]
        out.print(f"{metrics['labelled']} labelled ({metrics['supported']} supported): " + ", ".join(parts))


def check(
    text: Annotated[Optional[str], typer.Argument(metavar="TEXT", help="The draft to check, in quotes (or use --file).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", metavar="DRAFT", help="Read the draft from this file (markdown or text).")] = None,
    k: Annotated[int, typer.Option("-k", "--top-k", metavar="N", min=1, max=20, help="Passages read for each claim.")] = 5,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Fact-check a draft against the archive: each sentence is marked supported, contradicted or not
    found, with the passage that decides it."""
    json_errors(as_json)
    if (text is None) == (file is None):
        fail("give the draft as TEXT or with --file DRAFT, not both" if text else "give the draft as TEXT or with --file DRAFT")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            fail(f"{file}: not UTF-8 text")
        except OSError as exc:
            fail(f"{file}: cannot read it: {exc.strerror or exc}")
    from assistant.claims import check_draft, split_claims

    if not split_claims(text or ""):
        fail("the draft holds no sentence to check (three words or more)")
    nd = existing_archive(build(home=home))
    with user_errors():
        if not nd.manifest.has_documents():
            fail(f"the archive at {nd.settings.home} holds no articles yet: add some with `newsdesk ingest PATH`")
        result = check_draft(text, lambda claim: nd.retrieve(claim, k=k))
    if as_json:
        out.print_json(json.dumps(result.as_json(), ensure_ascii=False))
        return
    for checked in result.claims:
        style = STATUS_STYLE[checked.status]
        marker = f" [{checked.citation.n}]" if checked.citation and checked.status != "not found" else ""
        out.print(f"[{style}]{checked.status.upper():>12}[/]  {escape(checked.claim)}{marker}")
        out.print(f"{'':14}[dim]{escape(checked.reason)}[/]")
    out.print()
    for checked in result.claims:
        c = checked.citation
        if c is None or checked.status == "not found":
            continue
        out.print(f"[bold][{c.n}][/] {escape(c.title)} [dim]({escape(citation_meta(c))})[/]")
        out.print(f"    {escape(quoted(c.quote))}")
    counts = result.counts()
    out.print(f"[dim]{counts['supported']} supported, {counts['contradicted']} contradicted, "
              f"{counts['not found']} not found[/]")
