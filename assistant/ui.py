"""The chat page (Gradio): a thin face over ``Newsdesk``.

Article text, headlines, outlets and model output are untrusted. Everything from the archive or the
model is escaped before it reaches the page (HTML-escaped, and Markdown-escaped inside the chat),
only http(s) links ever become live, and Gradio's own sanitiser runs on top of that.
"""

from __future__ import annotations

import html
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from assistant.answerers import AnswerError
from assistant.app import Newsdesk, Stage
from assistant.claims import MAX_DRAFT_CHARS, check_draft
from assistant.examples import example_questions
from ingest.memory import release_free_heap
from assistant.page_assets import CLEAR_QUESTION_JS, CSS, HEAD
from assistant.render import (
    SOURCES_PLACEHOLDER,
    FileResult,
    answer_markdown,
    archive_html,
    byline,
    check_html,
    escape_markdown,
    file_result,
    make_filters,
    results_html,
    source_cards,
    sources_panel,
    stage_line,
    welcome_html,
)
from assistant.serving import (
    OPEN_PAGE_BANNER,
    UPLOAD_MAX_AGE_S,
    UPLOAD_SWEEP_EVERY_S,
    answers_at_once,
    discard_upload,
    gradio_folder,
    keep_gradio_in,
    page_access,
    queue_size,
    sweep_uploads,
)
from assistant.types import Answer
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.store import StoreError

log = logging.getLogger("newsdesk.ui")

# Gradio's default pool of 40 threads lets every generator step land on another thread, and each
# thread that runs the model grows its own malloc arena: memory crept up under load until the pool
# was bounded to the answers at once (assistant/serving.py) and this many more (measured with
# eval/benchmarks/load.py).
SPARE_WORKER_THREADS = 4
OPEN_PAGE_STYLE = "margin:0;padding:8px 12px;border:1px solid #d4a72c;border-radius:6px;background:#fff8c5;color:#3b2300;font-weight:600"
# Gradio keeps timing records of the last 10,000 events for its monitoring page and rebuilds a
# pandas table of all of them after every event: memory and time per answer grew with the event
# count. Newsdesk does not use that page, so it keeps few (an operator's own setting wins).
GRADIO_EVENT_RECORDS = "100"
WAITING = stage_line(Stage("searching"))  # said at once, before retrieval
# ---------------------------------------------------------------- the page

@dataclass
class Conversation:
    """One browser session's conversation: what the answerer sees as history, and the cards shown.

    Only the newest ``KEPT_TURNS`` turns stay on the server, so a long chat (or many of them) cannot
    grow the server's memory without bound; the chat transcript itself lives in the browser.
    """

    KEPT_TURNS = 20  # source groups shown; follow-up condensing reads only the last 4 pairs

    pairs: list[tuple[str, str]] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)  # (question, source cards) per answer
    turns: int = 0  # answers given so far; numbers the cards, so it outlives the trimmed groups
    started: int = 0  # times "New conversation" emptied this object; an answer begun before is stale

    def remember(self, question: str, reply: str, cards: str) -> None:
        self.pairs = [*self.pairs, (question, reply)][-self.KEPT_TURNS :]
        self.groups = [*self.groups, (question, cards)][-self.KEPT_TURNS :]

    def start_over(self) -> None:
        """Empty the conversation in place, so an answer still running on it sees that it is stale."""
        self.pairs, self.groups, self.turns = [], [], 0
        self.started += 1


def build_app(nd: Newsdesk, open_to_network: bool = False) -> gr.Blocks:
    """The page; ``open_to_network`` (served on a network address with no login) adds a banner saying so."""
    uploads = gradio_folder(nd.settings.home)

    def respond(message, chat, conversation, sources, since, until):
        # Every yield sets every output: Gradio 6 adds two blocks to the session's config for each
        # event that returns gr.skip(), which grew the server's memory by every answer.
        chat = list(chat or [])
        conversation = conversation or Conversation()
        panel = sources_panel(conversation.groups)
        message = (message or "").strip()
        if not message:
            yield chat, conversation, panel
            return
        chat += [{"role": "user", "content": escape_markdown(message)}, {"role": "assistant", "content": WAITING}]
        yield chat, conversation, panel
        streamed, stage, epoch = "", Stage("searching"), conversation.started
        try:
            filters = make_filters(sources, since, until)
            for item in nd.ask_stream(message, list(conversation.pairs), filters=filters, stages=True):
                if conversation.started != epoch:
                    return  # "New conversation" was pressed meanwhile: this answer belongs to the old one
                if isinstance(item, Answer):
                    turn = conversation.turns + 1
                    articles = {c.doc_id: getattr(nd.manifest.article(c.doc_id), "text", None) for c in item.citations}
                    cards = source_cards(item, articles, turn, nd.also_published(c.doc_id for c in item.citations))
                    if conversation.started != epoch:  # pressed while the cards were built: keep it out
                        return
                    conversation.turns = turn
                    conversation.remember(message, item.text, cards)
                    release_free_heap()
                    chat[-1]["content"] = answer_markdown(item, turn) + "\n\n" + byline(item, filters)
                    yield chat, conversation, sources_panel(conversation.groups)
                else:  # the stage under what has arrived so far (every sentence shown is checked already)
                    if isinstance(item, Stage):
                        stage = item
                    else:
                        streamed += item
                    chat[-1]["content"] = (escape_markdown(streamed) + "\n\n" if streamed else "") + stage_line(stage)
                    yield chat, conversation, panel
        except (AnswerError, StoreError, ValueError) as exc:
            chat[-1]["content"] = f'<span class="nd-error">{escape_markdown(f"Sorry, I could not answer: {exc}")}</span>'
            yield chat, conversation, panel
        except Exception as exc:  # the page must keep working; the details go to the server log
            log.exception("answering %r failed", message)
            text = f"Sorry, something went wrong while answering ({type(exc).__name__}); the server log has the details."
            chat[-1]["content"] = f'<span class="nd-error">{escape_markdown(text)}</span>'
            yield chat, conversation, panel

    def new_conversation(conversation):
        conversation = conversation or Conversation()
        conversation.start_over()
        return [], conversation, SOURCES_PLACEHOLDER, ""

    def glance():
        """The archive's summary, its articles per outlet, and questions drawn from its own headlines."""
        listing = nd.manifest.listing()
        return nd.manifest.summary(), dict(Counter(e.source for e in listing if e.source)), example_questions(listing, 3)

    def archive_view():
        summary, counts, _ = glance()
        return archive_html(summary, counts), gr.update(choices=summary.sources)

    def welcome():  # what the archive holds now, and questions about it, for the empty conversation
        summary, counts, examples = glance()
        return gr.update(placeholder=welcome_html(summary, counts), examples=[{"text": q} for q in examples] or None)

    def ask_example(chat, conversation, sources, since, until, evt: gr.SelectData):
        yield from respond(evt.value["text"], chat, conversation, sources, since, until)

    def outlet_choices():  # opening Filters shows outlets that other sessions' uploads added since
        return gr.update(choices=nd.manifest.summary().sources)

    def upload(uploaded, progress=gr.Progress()):
        # The raw value (preprocess=False): Gradio's File.preprocess leaves an empty temporary file in
        # its upload folder for every file it hands over. Gradio checks either way that each path
        # lies in that folder, so a client cannot name another file on the server.
        paths = [Path(item["path"]) for item in uploaded or []]
        if not paths:  # every output set, no gr.skip(): see respond
            return "", *archive_view(), None
        results = []
        try:
            for number, path in enumerate(paths):
                name = path.name
                progress((number, len(paths)), desc=f"adding {name}", unit="files")
                try:
                    results.append(file_result(name, nd.ingest([path])))
                except (StoreError, ValueError, OSError) as exc:
                    results.append(FileResult(name, "failed", str(exc)))
        finally:  # added or not, an upload is not kept: the archive holds the text it took
            for path in paths:
                discard_upload(path, uploads)
        progress((len(paths), len(paths)), desc="done", unit="files")
        failed = [r.name for r in results if r.status == "failed"]
        partly = [r.name for r in results if r.status == "partly added"]
        if failed or partly:
            said = []  # a toast renders HTML; file names are untrusted
            if failed:
                said.append(f"{len(failed)} of {len(results)} files could not be added: {html.escape(', '.join(failed))}.")
            if partly:
                said.append(f"Some articles of {html.escape(', '.join(partly))} could not be added.")
            gr.Warning(" ".join(said) + " The Archive panel says why.")
        return results_html(results), *archive_view(), None  # the table is the record; the picker resets

    def check(text):
        if not (text or "").strip():
            return '<p class="nd-meta">Paste a draft to check.</p>'
        if not nd.manifest.has_documents():
            return '<p class="nd-meta">The archive is empty: add articles in the Archive panel first.</p>'
        try:
            return check_html(check_draft(text[:MAX_DRAFT_CHARS], lambda claim: nd.retrieve(claim)))
        except (StoreError, ValueError) as exc:
            return f'<p class="nd-refused">{html.escape(str(exc))}</p>'

    # drawn from the archive the page serves, not the seed's Hungary question on someone else's archive
    summary, counts, examples = glance()

    # delete_cache: uploads that never reach the handler (see UPLOAD_MAX_AGE_S) do not pile up
    with gr.Blocks(title="Newsdesk", analytics_enabled=False, delete_cache=(UPLOAD_SWEEP_EVERY_S, UPLOAD_MAX_AGE_S)) as page:
        conversation = gr.State(Conversation())
        if open_to_network:
            gr.HTML(f'<p role="alert" style="{OPEN_PAGE_STYLE}">{html.escape(OPEN_PAGE_BANNER)}</p>', elem_id="nd-open-page")
        gr.Markdown("## Newsdesk\nAsk about the articles in your archive. Every claim is cited to the exact passage; "
                    "click or tap a marker such as [1] to see its source.")
        with gr.Tabs(elem_id="nd-tabs"):
            with gr.Tab("Ask", elem_id="nd-tab-ask"):
                # In the order a phone shows them: the conversation, its sources, then the controls
                # (wider screens put the sources beside the other two: assistant/page_assets.py).
                with gr.Row(equal_height=False, elem_id="nd-ask-row"):
                    with gr.Column(scale=3, elem_id="nd-chat-col"):
                        chatbot = gr.Chatbot(
                            label="Conversation", height=460, elem_id="nd-chat", sanitize_html=True, latex_delimiters=[],
                            allow_tags=False, feedback_options=None, buttons=["copy"],
                            placeholder=welcome_html(summary, counts), examples=[{"text": q} for q in examples] or None,
                        )
                    with gr.Column(scale=2, elem_id="nd-sources-col"):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(SOURCES_PLACEHOLDER, label="Sources", elem_id="nd-sources", js_on_load=None)
                    with gr.Column(scale=3, elem_id="nd-controls"):
                        question = gr.Textbox(label="Question", placeholder=next(iter(examples), "Ask about the archive"),
                                              elem_id="nd-question", lines=1, max_lines=4)
                        with gr.Row():
                            ask_button = gr.Button("Ask", variant="primary", elem_id="nd-ask")
                            clear = gr.Button("New conversation", elem_id="nd-new")
                        with gr.Accordion("Filters", open=False, elem_id="nd-filters") as filter_panel:
                            outlets = gr.Dropdown(label="Outlets", multiselect=True, choices=summary.sources,
                                                  value=[], elem_id="nd-outlets",
                                                  info="Only these outlets (empty: all).")
                            with gr.Row():
                                # Plain text boxes, not date pickers: a picker keeps its last valid date when
                                # the text typed is not one, so the filter applied would differ from the one shown.
                                since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", max_lines=1, elem_id="nd-since")
                                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", max_lines=1, elem_id="nd-until")
            with gr.Tab("Check a draft", elem_id="nd-tab-check"):
                gr.Markdown("Paste a paragraph (a reporter's draft, a model's answer): each sentence is checked "
                            "against the archive and marked supported, contradicted or not found, with its source.")
                draft = gr.Textbox(label="Draft", lines=6, max_lines=20, elem_id="nd-draft",
                                   placeholder="Hungary promised not to veto NATO's plan. Orban sent 10,000 troops.")
                check_button = gr.Button("Check", variant="primary", elem_id="nd-check")
                checked = gr.HTML(elem_id="nd-checked", js_on_load=None)
        with gr.Accordion("Archive", open=False, elem_id="nd-archive-panel") as archive_panel:
            archive = gr.HTML(elem_id="nd-archive", js_on_load=None)
            files = gr.File(label=f"Add articles (.txt, .md, .html, .json, .jsonl; at most {nd.settings.upload_max_mb} MiB a file)",
                            file_count="multiple",
                            type="filepath", elem_id="nd-upload", file_types=sorted(SUPPORTED_SUFFIXES))
            results = gr.HTML(elem_id="nd-upload-results", js_on_load=None)

        ask_inputs = [question, chatbot, conversation, outlets, since, until]
        ask_outputs = [chatbot, conversation, sources]
        asked = ask_button.click(respond, ask_inputs, ask_outputs, api_name="ask", js=CLEAR_QUESTION_JS)
        submitted = question.submit(respond, ask_inputs, ask_outputs, api_visibility="private", js=CLEAR_QUESTION_JS)
        exampled = chatbot.example_select(ask_example, ask_inputs[1:], ask_outputs, api_visibility="private")
        # Starting over cancels an answer in flight: its last yield would bring the old conversation back.
        for event in (clear.click, chatbot.clear):
            event(new_conversation, conversation, [chatbot, conversation, sources, question], api_visibility="private",
                  cancels=[asked, submitted, exampled])
        filter_panel.expand(outlet_choices, None, outlets, api_visibility="private")
        archive_panel.expand(archive_view, None, [archive, outlets], api_visibility="private")
        files.upload(upload, files, [results, archive, outlets, files], api_visibility="private", concurrency_limit=1,
                     preprocess=False)
        page.load(archive_view, None, [archive, outlets], api_visibility="private")
        # the empty conversation follows the archive: on opening the page, and after an upload
        archive.change(welcome, None, chatbot, api_visibility="private", show_progress="hidden")
        check_button.click(check, draft, checked, api_name="check")
    return page


def launch(nd: Newsdesk, block: bool = True) -> gr.Blocks:
    """Serve the page on the configured host and port (loopback by default), with a login if set.

    With ``block=False`` it returns at once; the running page has ``local_url`` and ``close()``.
    """
    users, open_to_network = page_access(nd.settings)  # refuses a network address with no login
    if open_to_network:
        log.warning("the chat on %s has no login: anyone on the network can read and add articles", nd.settings.host)
    sweep_uploads(keep_gradio_in(nd.settings.home))
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", GRADIO_EVENT_RECORDS)
    page = build_app(nd, open_to_network)
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    at_once = answers_at_once(nd.settings)
    page.queue(default_concurrency_limit=at_once, max_size=queue_size(nd.settings)).launch(
        server_name=nd.settings.host, server_port=nd.settings.port, theme=theme, css=CSS, head=HEAD,
        auth=users, auth_message="Newsdesk: sign in" if users else None,
        max_file_size=nd.settings.upload_max_mb * 2**20,
        prevent_thread_lock=True, show_error=False, quiet=True, ssr_mode=False,
        footer_links=[],  # Gradio's API, settings and "built with" links speak to developers, not readers
        max_threads=at_once + SPARE_WORKER_THREADS,
        # Gradio keeps each session's state (its copy of the page's values and the Conversation) after the
        # browser leaves, until this many newer sessions push it out: 10,000 by default, some 700 MiB.
        state_session_capacity=nd.settings.chat_sessions,
        # Gradio 6 records each run (question, answer, sources) in the browser, and offers to copy the
        # records to a Hugging Face bucket: nothing of the archive leaves through the page.
        run_history=False,
    )
    if block:  # Gradio's own banner would suggest share=True, which no Newsdesk user can set
        print(f"Newsdesk chat on {page.local_url} (Ctrl+C stops it)", flush=True)
        page.block_thread()
    return page
