"""The answering commands: ``ask``, ``chat`` and ``demo``."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from assistant.cli.archive import print_ingest_report, run_ingest
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
    existing_archive,
    fail,
    json_errors,
    out,
    parse_day,
    user_errors,
    waiting,
)
from assistant.hedges import quoted

SAMPLE_QUESTION = "What did Hungary commit to?"


def citation_meta(c) -> str:
    """Outlet · date · link, or the file's name when the article has no link (never the folder it was
    installed or uploaded into)."""
    return " · ".join(x for x in (c.source, c.published_at[:10], c.url or Path(c.path).name) if x)


def print_answer(answer, as_json: bool, also: dict | None = None) -> None:
    """The answer, then each citation with its quote; ``also`` maps a cited story to the other outlets
    that published it (``Newsdesk.also_published``)."""
    also = also or {}
    if as_json:
        shown = answer.as_json()
        for citation in shown["citations"]:
            citation["also"] = [{"source": copy.source, "url": copy.url} for copy in also.get(citation["doc_id"], ())]
        out.print_json(json.dumps(shown, ensure_ascii=False))
        return
    from assistant.app import unmentioned_note
    from assistant.injection import suspicious_note

    for note in (suspicious_note(answer), unmentioned_note(answer)):
        if note:
            out.print(f"[yellow]{escape(note)}[/]")
    out.print(escape(answer.text))
    out.print()
    for c in answer.citations:
        out.print(f"[bold][{c.n}][/] {escape(c.title)} [dim]({escape(citation_meta(c))})[/]")
        where = "the headline" if c.field == "title" else f"chars {c.start}-{c.end}"
        of = "" if c.doc_id == c.url else f" of {c.doc_id}"  # a URL id is already shown once, above
        out.print(f"    {escape(quoted(c.quote))} [dim]{where}{escape(of)}[/]")
        if also.get(c.doc_id):
            copies = "; ".join(f"{copy.source}, {copy.url}" if copy.source else copy.url for copy in also[c.doc_id])
            out.print(f"    [dim]also published: {escape(copies)}[/]")
    model = f" ({answer.model})" if answer.model else ""
    out.print(f"[dim]answered by {answer.answerer}{escape(model)} in {answer.timings.get('total_s', 0):.2f}s[/]")


def ask(
    question: Annotated[str, typer.Argument(metavar="QUESTION", help="The question, in quotes.")],
    k: TopKOption = None,
    as_json: JsonOption = False,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", metavar="DATE",
        help="Answer as on YYYY-MM-DD: \"this week\", \"yesterday\" mean that day's; articles published near it are preferred, later ones left out.")] = None,
    answerer: AnswererOption = None,
    retriever: RetrieverOption = None,
    home: HomeOption = None,
) -> None:
    """Answer one question from the archive, with numbered citations to the exact passages."""
    json_errors(as_json)
    day = parse_day(as_of, "--as-of")
    nd = existing_archive(build(home=home, top_k=k, source=source, since=parse_day(since, "--since"),
                                until=parse_day(until, "--until"), answerer=answerer, retriever=retriever))
    with user_errors():
        if not nd.manifest.has_documents():
            fail(f"the archive at {nd.settings.home} holds no articles yet: add some with `newsdesk ingest PATH`")
        with waiting(nd, as_json):
            answer = nd.ask(question, as_of=day)
    print_answer(answer, as_json, nd.also_published(c.doc_id for c in answer.citations))


InsecureOption = Annotated[bool, typer.Option(
    "--insecure-no-login", metavar="",
    help="Serve on a network address with no login (the page then says it is open). Env: NEWSDESK_INSECURE_NO_LOGIN.")]


def open_chat(nd) -> None:
    """Check who may reach the page, point Gradio's folders into the home, then load Gradio and serve."""
    from assistant.serving import keep_gradio_in, page_access

    with user_errors():  # an open door, or a malformed NEWSDESK_AUTH or users file: one line, not a traceback
        page_access(nd.settings)
        keep_gradio_in(nd.settings.home)  # before Gradio loads: some of its modules read it on import
        from assistant.ui import launch

        launch(nd)


def chat(
    host: Annotated[Optional[str], typer.Option(metavar="ADDRESS", help="Interface to bind (default 127.0.0.1); another address needs a login (NEWSDESK_AUTH) or --insecure-no-login.")] = None,
    port: Annotated[Optional[int], typer.Option(metavar="PORT", help="Port of the chat page (default 7860).")] = None,
    insecure_no_login: InsecureOption = False,
    answerer: AnswererOption = None,
    home: HomeOption = None,
) -> None:
    """Open the chat page (Gradio) on 127.0.0.1 unless told otherwise."""
    open_chat(build(home=home, host=host, port=port, answerer=answerer, insecure_no_login=insecure_no_login or None))


def sample_paths() -> list[Path]:
    root = Path(str(files("assistant") / "sample_data"))
    return [root / "seed", root / "mhrag-lite" / "corpus.jsonl"]


def demo(
    no_chat: Annotated[bool, typer.Option("--no-chat", metavar="", help="Ingest and answer the sample question, then exit.")] = False,
    host: Annotated[Optional[str], typer.Option(metavar="ADDRESS", help="Interface for the chat page (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(metavar="PORT", help="Port of the chat page (default 7860).")] = None,
    insecure_no_login: InsecureOption = False,
    home: HomeOption = None,
) -> None:
    """Ingest the bundled sample articles, answer a sample question, then open the chat."""
    nd = build(home=home, host=host, port=port, insecure_no_login=insecure_no_login or None)
    if not no_chat:
        from assistant.serving import page_access

        with user_errors():  # refused before the sample is ingested, not after
            page_access(nd.settings)
    report = run_ingest(nd, sample_paths(), as_json=False)
    print_ingest_report(report, as_json=False)
    out.print(f"\n[bold]Q:[/] {SAMPLE_QUESTION}")
    with user_errors():
        print_answer(nd.ask(SAMPLE_QUESTION), as_json=False)
    if not no_chat:
        open_chat(nd)

