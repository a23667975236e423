"""The ``newsdesk`` command: a thin face over ``assistant.app.Newsdesk``."""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.exceptions import TyperException
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import ProgressColumn
from rich.table import Table
from rich.text import Text

from ingest.text import plural

app = typer.Typer(
    help="Newsdesk: ask questions about your news archive and get answers cited to the exact passage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

HomeOption = Annotated[Optional[Path], typer.Option("--home", metavar="FOLDER", help="Data folder (Chroma + manifest). Env: NEWSDESK_HOME.")]
JsonOption = Annotated[bool, typer.Option("--json", metavar="", help="Print one JSON object instead of text.")]
SourceOption = Annotated[Optional[list[str]], typer.Option("--source", metavar="OUTLET", help="Only this outlet, in any case or short form (repeatable).")]
SinceOption = Annotated[Optional[str], typer.Option("--since", metavar="DATE", help="Only articles published on or after YYYY-MM-DD.")]
UntilOption = Annotated[Optional[str], typer.Option("--until", metavar="DATE", help="Only articles published on or before YYYY-MM-DD.")]
AnswererOption = Annotated[Optional[str], typer.Option("--answerer", metavar="NAME", help="auto (default) | extractive | openai | local.")]
RetrieverOption = Annotated[Optional[str], typer.Option("--retriever", metavar="NAME", help="news (default) | hybrid | bm25 | dense.")]
SAMPLE_QUESTION = "What did Hungary commit to?"


# Set by a command given --json: its errors then also go to stdout as {"error": ...}, so a script
# reading the JSON gets an object either way (the line on stderr stays for people).
errors_as_json = False


def json_errors(as_json: bool) -> None:
    global errors_as_json
    errors_as_json = as_json


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")
    if errors_as_json:
        out.print_json(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    raise typer.Exit(code)


def settings_from(**flags):
    from pydantic_settings import SettingsError

    from assistant.settings import load_settings, setting_origin

    try:
        return load_settings(**flags)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])  # empty for a check across settings
        message = first["msg"].removeprefix("Value error, ")
        origin = setting_origin(str(first["loc"][0]), flags) if first["loc"] else ""
        named = f"{where} (from {origin})" if origin else where
        fail(f"invalid setting {named}: {message}" if where else f"invalid settings: {message}")
    except SettingsError as exc:  # a list or dict setting from the environment that is not JSON
        field = re.search(r'field "(\w+)"', str(exc))
        name = field.group(1) if field else "?"
        fail(f"invalid setting {name} (NEWSDESK_{name.upper()}): list and table settings take JSON here, "
             'e.g. ["TechCrunch", "The Verge"] or {"X-Api-Key": "value"}')
    except ValueError as exc:  # the config file (check_config_file)
        fail(str(exc))


def parse_day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} must be a date like 2023-11-24, got {value!r}")


def build(**flags):
    from assistant.app import Newsdesk

    return Newsdesk(settings_from(**flags))


def waiting(nd, as_json: bool):
    """A spinner on a terminal while a language model answers (a slow endpoint is not a silent hang)."""
    from contextlib import nullcontext

    if as_json or not err.is_terminal or nd.answerer.name == "extractive":
        return nullcontext()
    from ingest.settings import redact_url

    endpoint = redact_url(nd.settings.llm_base_url) or "api.openai.com"
    where = "the local model" if nd.answerer.name == "local" else escape(f"{nd.settings.llm_model} at {endpoint}")
    return err.status(f"waiting for {where}…", spinner="dots")


def existing_archive(nd):
    """The Newsdesk, when its home exists: commands that read an archive must not create an empty one
    where a mistyped --home or NEWSDESK_HOME points."""
    if not nd.settings.home.exists():
        fail(f"no archive at {nd.settings.home}: add articles there with `newsdesk ingest PATH`, "
             "or point --home (NEWSDESK_HOME) at an existing one")
    return nd


@contextmanager
def user_errors():
    """Turn the core's expected failures into one readable line and exit code 2."""
    from assistant.answer import AnswerError
    from eval.sets import QuestionSetError
    from ingest.manifest import ManifestMismatch
    from ingest.store import StoreError

    try:
        yield
    except (AnswerError, StoreError, ManifestMismatch, QuestionSetError, ValueError) as exc:
        fail(str(exc))


class Elapsed(ProgressColumn):
    """Time since the start, running on while the bar is momentarily full (rich's TimeElapsedColumn
    stops for good once completed reaches total, and an ingest's total grows as files are read)."""

    def render(self, task) -> Text:
        seconds = int(task.elapsed or 0)
        return Text(f"{seconds // 60}:{seconds % 60:02d}", style="progress.elapsed")


def run_ingest(nd, paths: list[Path], as_json: bool, prune: bool = False):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    show_bar = not as_json and err.is_terminal
    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks embedded · {task.fields[files]} files read"),
        Elapsed(), console=err, disable=not show_bar, transient=True,
    ) as bar:
        task = bar.add_task("ingest", total=None, files="0")

        def progress(state) -> None:  # the bar follows the embedding, where the time goes
            bar.update(task, completed=state.chunks_embedded, total=state.chunks_to_embed or None,
                       files=f"{state.files_read}/{state.files_total}")

        with user_errors():
            return nd.ingest(paths, progress, prune)


def print_ingest_report(report, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(report.as_json()))
    else:
        for failure in report.failed:
            err.print(f"[red]failed[/] {escape(failure.line())}")
        for stale in report.stale:
            label = "[yellow]removed stale[/]" if report.pruned else "[yellow]stale[/]"
            err.print(f"{label} {escape(stale.line())}")
        out.print(report.summary_line())
        if report.stale and not report.pruned:
            err.print("[dim]stale documents stay searchable; `newsdesk ingest --prune` with the same paths removes them[/]")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH", help="Files or folders (.txt .md .html .json .jsonl), folders recursively.")],
    as_json: JsonOption = False,
    prune: Annotated[bool, typer.Option("--prune", metavar="", help="Also remove stale documents: stored from these paths, but their file is gone or no longer holds them.")] = False,
    home: HomeOption = None,
) -> None:
    """Add articles to the archive; unchanged documents are skipped, changed ones replaced.

    Documents stored from these paths whose file is gone, or no longer holds them, are listed as
    stale and kept (a feed file that keeps only recent items must not empty the archive);
    --prune removes them.
    """
    json_errors(as_json)
    nd = build(home=home)
    report = run_ingest(nd, paths, as_json, prune)
    print_ingest_report(report, as_json)
    if report.failed:
        raise typer.Exit(1)


def print_answer(answer, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(answer.as_json(), ensure_ascii=False))
        return
    from assistant.app import unmentioned_note

    if note := unmentioned_note(answer):
        out.print(f"[yellow]{escape(note)}[/]")
    out.print(escape(answer.text))
    out.print()
    for c in answer.citations:
        meta = " · ".join(x for x in (c.source, c.published_at[:10], c.url or c.path) if x)
        out.print(f"[bold][{c.n}][/] {escape(c.title)} [dim]({escape(meta)})[/]")
        where = "the headline" if c.field == "title" else f"chars {c.start}-{c.end}"
        out.print(f"    “{escape(c.quote)}” [dim]{where} of {escape(c.doc_id)}[/]")
    model = f" ({answer.model})" if answer.model else ""
    out.print(f"[dim]answered by {answer.answerer}{escape(model)} in {answer.timings.get('total_s', 0):.2f}s[/]")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(metavar="QUESTION", help="The question, in quotes.")],
    k: Annotated[Optional[int], typer.Option("-k", "--top-k", metavar="N", help="Passages handed to the answerer (default 5: the top_k setting).")] = None,
    as_json: JsonOption = False,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    answerer: AnswererOption = None,
    retriever: RetrieverOption = None,
    home: HomeOption = None,
) -> None:
    """Answer one question from the archive, with numbered citations to the exact passages."""
    json_errors(as_json)
    nd = existing_archive(build(home=home, top_k=k, source=source, since=parse_day(since, "--since"),
                                until=parse_day(until, "--until"), answerer=answerer, retriever=retriever))
    with user_errors():
        if not nd.manifest.has_documents():
            fail(f"the archive at {nd.settings.home} holds no articles yet: add some with `newsdesk ingest PATH`")
        with waiting(nd, as_json):
            answer = nd.ask(question)
    print_answer(answer, as_json)


@app.command()
def chat(
    host: Annotated[Optional[str], typer.Option(metavar="ADDRESS", help="Interface to bind (default 127.0.0.1); 0.0.0.0 exposes it to the network.")] = None,
    port: Annotated[Optional[int], typer.Option(metavar="PORT", help="Port of the chat page (default 7860).")] = None,
    answerer: AnswererOption = None,
    home: HomeOption = None,
) -> None:
    """Open the chat page (Gradio) on 127.0.0.1 unless told otherwise."""
    from assistant.ui import launch

    nd = build(home=home, host=host, port=port, answerer=answerer)
    with user_errors():  # a malformed NEWSDESK_AUTH or users file is one line, not a traceback
        launch(nd)


def sample_paths() -> list[Path]:
    root = Path(str(files("assistant") / "sample_data"))
    return [root / "seed", root / "mhrag-lite" / "corpus.jsonl"]


@app.command()
def demo(
    no_chat: Annotated[bool, typer.Option("--no-chat", metavar="", help="Ingest and answer the sample question, then exit.")] = False,
    host: Annotated[Optional[str], typer.Option(metavar="ADDRESS", help="Interface for the chat page (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(metavar="PORT", help="Port of the chat page (default 7860).")] = None,
    home: HomeOption = None,
) -> None:
    """Ingest the bundled sample articles, answer a sample question, then open the chat."""
    nd = build(home=home, host=host, port=port)
    report = run_ingest(nd, sample_paths(), as_json=False)
    print_ingest_report(report, as_json=False)
    out.print(f"\n[bold]Q:[/] {SAMPLE_QUESTION}")
    with user_errors():
        print_answer(nd.ask(SAMPLE_QUESTION), as_json=False)
    if not no_chat:
        from assistant.ui import launch

        with user_errors():
            launch(nd)


@app.command()
def remove(
    targets: Annotated[list[str], typer.Argument(metavar="DOC_ID_OR_PATH", help="Document ids (url, or path relative to the folder ingested), or files/folders that were ingested.")],
    home: HomeOption = None,
) -> None:
    """Delete documents from the archive, everywhere (Chroma, keyword index, manifest)."""
    nd = existing_archive(build(home=home))
    missing = []
    for target in targets:
        doc_ids = [target] if nd.manifest.known(target) else nd.documents_from(Path(target))
        if not doc_ids:
            missing.append(target)
        for doc_id in doc_ids:
            out.print(f"removed {escape(doc_id)} ({plural(nd.remove(doc_id), 'chunk')})")
    if missing:
        fail("not in the archive: " + ", ".join(missing), code=1)


@app.command(name="list")
def list_documents(
    source: SourceOption = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """The documents in the archive, newest first: id (what `remove` takes), date, outlet, headline, chunks."""
    json_errors(as_json)
    from assistant.query import resolve_sources

    nd = existing_archive(build(home=home))
    with user_errors():
        outlets = resolve_sources(source, nd.manifest.summary().sources) if source else ()
    entries = nd.manifest.listing(outlets)
    if as_json:
        out.print_json(json.dumps([entry.__dict__ for entry in entries], ensure_ascii=False))
        return
    table = Table(box=None, header_style="bold")
    for column in ("id", "date", "outlet", "headline", "chunks"):
        table.add_column(column, justify="right" if column == "chunks" else "left", overflow="fold")
    for entry in entries:
        table.add_row(escape(entry.doc_id), entry.published or "-", escape(entry.source) or "-", escape(entry.title), str(entry.chunks))
    out.print(table)
    out.print(f"[dim]{plural(len(entries), 'document')}[/]")


@app.command()
def status(
    as_json: JsonOption = False,
    repair: Annotated[bool, typer.Option("--repair", metavar="", help="Fix the problems found: drop orphan chunks, rebuild missing ones.")] = False,
    home: HomeOption = None,
) -> None:
    """What the archive holds (documents, chunks, outlets, date span) and any inconsistency."""
    json_errors(as_json)
    nd = existing_archive(build(home=home))
    actions = nd.repair() if repair else []
    summary = nd.manifest.summary()
    problems = nd.check().problems()
    data = {
        "documents": summary.documents, "chunks": summary.chunks, "sources": summary.sources,
        "published_min": summary.published_min, "published_max": summary.published_max, "problems": problems,
    }
    if repair:
        data["repaired"] = actions
    if as_json:
        out.print_json(json.dumps(data))
    else:
        table = Table(show_header=False, box=None)
        table.add_row("home", escape(str(nd.settings.home)))
        for key in ("documents", "chunks", "published_min", "published_max"):
            table.add_row(key, "-" if data[key] is None else str(data[key]))
        table.add_row("sources", escape(", ".join(summary.sources)) or "-")
        out.print(table)
        for action in actions:
            out.print(f"[green]repaired:[/] {escape(action)}")
        for problem in problems:
            err.print(f"[yellow]problem:[/] {escape(problem)} (run `newsdesk status --repair`)")
    if problems:
        raise typer.Exit(1)


@app.command(name="eval")
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
    k: Annotated[Optional[int], typer.Option("-k", "--top-k", metavar="N", help="Passages handed to the answerer (default 5: the top_k setting).")] = None,
    as_json: JsonOption = False,
    answerer: AnswererOption = None,
    retriever: RetrieverOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    home: HomeOption = None,
) -> None:
    """Score retrieval, answers and citations on question sets; gate releases on the results.

    Exit code 1 when a --fail-under, --fail-over or --max-regression gate fails, 2 on bad input.
    """
    json_errors(as_json)
    from eval.catalog import set_label
    from eval.gates import Gates, check_baseline_pairs, compare, flipped_answers, load_baseline, parse_gates
    from eval.report import comparison_table, summary_table, type_table, write_report
    from eval.sets import check_evidence_known, load_question_set

    with user_errors():
        gates = Gates(parse_gates(fail_under, "--fail-under"), parse_gates(fail_over, "--fail-over"),
                      parse_gates(max_regression, "--max-regression"))
        if gates.max_regression and baseline is None:
            fail("--max-regression needs --baseline report.json")
        before = load_baseline(baseline) if baseline else None
        check_set_names(sets)
        loaded = [(str(path), load_question_set(path)) for path in sets]
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
        if not known:
            where = "--corpus " + " ".join(map(str, corpus)) if corpus else f"the archive at {nd.settings.home}"
            fail(f"{where} holds no documents: there is nothing to score against")
        with user_errors():
            for path, questions in loaded:
                check_evidence_known(questions, known, Path(path))
            result = run_with_progress(nd, loaded, workers, as_json, grader)
    data = result.as_json()
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
            out.print(f"[dim]{escape(baseline_difference(before.get('settings', {}), data['settings'], shared, len(keys)))}[/]")
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


def main() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("newsdesk: %(message)s"))
    logging.getLogger("newsdesk").addHandler(handler)
    try:
        with user_errors():  # errors raised outside a command's own handling still get one line
            code = app(prog_name="newsdesk", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("interrupted")
        sys.exit(130)
    except TyperException as exc:  # a bad flag value or a missing argument: one line, not a usage box
        json_errors("--json" in sys.argv[1:])
        ctx = getattr(exc, "ctx", None)
        where = f"{ctx.command_path}: " if ctx is not None else ""
        hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        try:
            fail(f"{where}{exc.format_message()}{hint}", getattr(exc, "exit_code", 2))
        except typer.Exit as failed:
            sys.exit(failed.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
