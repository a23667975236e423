"""The archive commands: ``ingest``, ``sync``, ``remove``, ``list``, ``status`` (and the ingest progress and
report that ``demo`` and ``eval --corpus`` share)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import ProgressColumn
from rich.table import Table
from rich.text import Text

from assistant.cli.common import (
    HomeOption,
    JsonOption,
    SourceOption,
    build,
    confirm_removal,
    err,
    existing_archive,
    fail,
    json_errors,
    out,
    user_errors,
)
from ingest.text import plural


class Elapsed(ProgressColumn):
    """Time since the start, running on while the bar is momentarily full (rich's TimeElapsedColumn
    stops for good once completed reaches total, and an ingest's total grows as files are read)."""

    def render(self, task) -> Text:
        seconds = int(task.elapsed or 0)
        return Text(f"{seconds // 60}:{seconds % 60:02d}", style="progress.elapsed")


def run_ingest(nd, paths: list[Path], as_json: bool, prune: bool = False, urls: list[str] = (), follow: bool = False,
               field_map: dict[str, str] | None = None):
    return with_progress(as_json, lambda progress: nd.ingest(paths, progress, prune, urls, follow, field_map))


def with_progress(as_json: bool, job):
    """Run an ingest job (``job(progress)``) with a progress bar on a terminal."""
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
            return job(progress)


def print_ingest_report(report, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(report.as_json()))
    else:
        for failure in report.failed:
            err.print(f"[red]failed[/] {escape(failure.line())}")
        for warning in report.warnings:
            err.print(f"[yellow]warning[/] {escape(warning.line())}")
        for stale in report.stale:
            label = "[yellow]removed stale[/]" if report.pruned else "[yellow]stale[/]"
            err.print(f"{label} {escape(stale.line())}")
        out.print(report.summary_line())
        if report.stale and not report.pruned:
            err.print("[dim]stale documents stay searchable; `newsdesk ingest --prune` with the same paths removes them[/]")


FollowOption = Annotated[bool, typer.Option("--follow", metavar="", help="For a feed, also read the article pages its items link to (their full text replaces the feed's summary).")]


def ingest(
    inputs: Annotated[list[str], typer.Argument(metavar="PATH_OR_URL", help="Files, folders (recursively), or http(s) URLs of article pages and feeds.")],
    as_json: JsonOption = False,
    prune: Annotated[bool, typer.Option("--prune", metavar="", help="Also remove stale documents: stored from these paths, but their file is gone or no longer holds them.")] = False,
    follow: FollowOption = False,
    mapping: Annotated[list[str] | None, typer.Option("--map", metavar="FIELD=COLUMN", help="A CSV column or JSON key that holds an article field under another name, e.g. --map body=story_text (repeatable; fields: title, body, url, source, author, published_at, category).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", metavar="N", min=1, max=64, help="Model batches embedded at once, each on embed_threads // N threads (setting embed_workers, default 2).")] = None,
    home: HomeOption = None,
) -> None:
    """Add articles to the archive; unchanged documents are skipped, changed ones replaced.

    Documents stored from these paths whose file is gone, or no longer holds them, are listed as
    stale and kept (a feed file that keeps only recent items must not empty the archive);
    --prune removes them.
    """
    from ingest.web import split_inputs

    from ingest.loaders import parse_field_map

    json_errors(as_json)
    try:
        field_map = parse_field_map(mapping or [])
    except ValueError as exc:
        fail(str(exc))
    nd = build(home=home, embed_workers=workers)
    paths, urls = split_inputs(inputs)
    report = run_ingest(nd, paths, as_json, prune, urls, follow, field_map)
    print_ingest_report(report, as_json)
    if report.failed:
        raise typer.Exit(1)


def sync(
    feed_list: Annotated[Path, typer.Argument(metavar="FEEDS.txt", help="Feed URLs, one a line (# starts a comment).")],
    follow: FollowOption = False,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Read each feed of a list again and add only what is new (by URL and by content)."""
    json_errors(as_json)
    nd = build(home=home)
    report = with_progress(as_json, lambda progress: nd.sync(feed_list, progress, follow))
    if not as_json and report.added:
        table = Table(box=None, header_style="bold")
        for column in ("outlet", "title", "date"):
            table.add_column(column, overflow="fold")
        for added in report.added:
            table.add_row(escape(added.source) or "-", escape(added.title), added.published_at or "-")
        out.print(table)
    elif not as_json:
        out.print("nothing new")
    print_ingest_report(report, as_json)
    if report.failed:
        raise typer.Exit(1)


def remove(
    targets: Annotated[list[str], typer.Argument(metavar="DOC_ID_OR_PATH", help="Document ids (url, or path relative to the folder ingested), or files/folders that were ingested.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", metavar="", help="Remove more than one document without asking.")] = False,
    home: HomeOption = None,
) -> None:
    """Delete documents from the archive, everywhere (Chroma, keyword index, manifest).

    More than one document through files and folders (a folder, `/`, a file of many articles, the
    files a shell pattern names) is removed only once confirmed: asked on a terminal, with --yes
    otherwise. Ids named one by one are not asked about.
    """
    nd = existing_archive(build(home=home))
    missing, found, through_paths = [], {}, 0
    for target in targets:
        doc_ids = [target] if nd.manifest.known(target) else nd.documents_from(Path(target))
        if not doc_ids:
            missing.append(target)
        if not nd.manifest.known(target) or Path(target).exists():  # `remove *` names ids that are files here
            through_paths += len(doc_ids)
        found.update(dict.fromkeys(doc_ids))
    if through_paths > 1 and not yes:
        confirm_removal(list(found), nd.manifest.summary().documents)
    for doc_id in found:
        out.print(f"removed {escape(doc_id)} ({plural(nd.remove(doc_id), 'chunk')})")
    if missing:
        fail("not in the archive: " + ", ".join(missing), code=1)


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
        out.print_json(json.dumps([asdict(entry) for entry in entries], ensure_ascii=False))
        return
    for entry in entries:  # one a line, the id whole: what `remove` takes, to copy as it is
        line = f"{entry.published_at or '-':<10}  {entry.doc_id}  {entry.source or '-'} · {entry.title} · {plural(entry.chunks, 'chunk')}"
        if entry.also:
            line += " · also: " + "; ".join(f"{copy.source}, {copy.url}" if copy.source else copy.url for copy in entry.also)
        out.print(escape(line), overflow="ignore", crop=False)
    out.print(f"[dim]{plural(len(entries), 'document')}[/]")


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
        "published_at_min": summary.published_at_min, "published_at_max": summary.published_at_max, "problems": problems,
    }
    recorded = nd.store.recorded_model()
    data["embedding_model"], data["embedding_dimensions"] = recorded or (None, None)
    if repair:
        data["repaired"] = actions
    if as_json:
        out.print_json(json.dumps(data))
    else:
        table = Table(show_header=False, box=None)
        table.add_row("home", escape(str(nd.settings.home)))
        for key in ("documents", "chunks", "published_at_min", "published_at_max"):
            table.add_row(key, "-" if data[key] is None else str(data[key]))
        table.add_row("sources", escape(", ".join(summary.sources)) or "-")
        table.add_row("embedding", f"{escape(recorded[0])} ({recorded[1]} dimensions)" if recorded else "-")
        out.print(table)
        for action in actions:
            out.print(f"[green]repaired:[/] {escape(action)}")
        for problem in problems:
            err.print(f"[yellow]problem:[/] {escape(problem)} (run `newsdesk status --repair`)")
    if problems:
        raise typer.Exit(1)

