"""The chat page (Gradio): a thin face over ``Newsdesk``.

Article text, headlines, outlets and model output are untrusted. Everything from the archive or the
model is escaped before it reaches the page (HTML-escaped, and Markdown-escaped inside the chat),
only http(s) links ever become live, and Gradio's own sanitiser runs on top of that.
"""

from __future__ import annotations

import html
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from assistant.answerers import AnswerError
from assistant.app import Newsdesk
from assistant.claims import MAX_DRAFT_CHARS, check_draft
from assistant.examples import example_questions
from assistant.memory import release_free_heap
from assistant.render import (
    SOURCES_PLACEHOLDER,
    FileResult,
    answer_markdown,
    archive_html,
    auth_users,
    byline,
    check_html,
    escape_markdown,
    file_result,
    make_filters,
    results_html,
    source_cards,
    sources_panel,
)
from assistant.types import Answer
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.store import StoreError

log = logging.getLogger("newsdesk.ui")

CSS = """
/* Gradio's block styles set overflow: visible on the component; without !important the cards of
   a long conversation spilled over the Archive panel and below the page. */
#nd-sources { max-height: 640px; overflow-y: auto !important; }
.nd-group-title { font-weight: 600; margin: 4px 0 2px; }
.nd-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; margin: 8px 0;
           transition: box-shadow .2s, border-color .2s; }
.nd-card.nd-hot, .nd-card.nd-flash { border-color: #d4a72c; box-shadow: 0 0 0 3px rgba(212, 167, 44, .35); }
.nd-card .nd-head { font-weight: 600; }
.nd-card .nd-num { display: inline-block; min-width: 1.8em; color: #0969da; }
/* Muted text at WCAG AA contrast (4.5:1 and more); the theme's subdued grey measured 1.9:1 on white. */
.nd-card .nd-meta, .nd-meta { color: #57606a; font-size: 0.88em; margin-top: 2px; }
.dark .nd-card .nd-meta, .dark .nd-meta, .dark .nd-by { color: #9da7b3; }
.nd-card blockquote { margin: 6px 0 0 0; padding-left: 10px; border-left: 3px solid var(--border-color-primary);
                      white-space: pre-wrap; font-size: 0.95em; }
.nd-card mark { background: #fff3a3; color: inherit; padding: 0 1px; }
a.nd-marker { text-decoration: none; font-weight: 600; color: #0969da; cursor: pointer; }
a.nd-marker:hover { text-decoration: underline; }
.nd-by { color: #57606a; font-size: 0.85em; }
.nd-refused { color: #9a6700; font-weight: 600; }
.nd-caveat { color: #9a6700; font-style: italic; }
.nd-error { color: #cf222e; }
.nd-results td, .nd-results th { padding: 2px 8px; text-align: left; vertical-align: top; }
.nd-ok { color: #1a7f37; } .nd-same { color: #57606a; } .nd-failed { color: #cf222e; } .nd-partial { color: #9a6700; }
"""

# One delegated handler: a marker [n] in the chat scrolls to its source card and flashes it;
# hovering a marker lights the card up (the marker's title also shows the quote).
HEAD = """
<script>
(() => {
  const marker = (e) => e.target && e.target.closest ? e.target.closest("a.nd-marker") : null;
  const cardOf = (a) => {
    const id = (a.getAttribute("href") || "").replace(/^#/, "");
    return id ? document.getElementById(id) : null;
  };
  document.addEventListener("click", (e) => {
    const a = marker(e);
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    const card = cardOf(a);
    if (!card) return;
    const group = card.closest("details");
    if (group) group.open = true;
    card.scrollIntoView({ behavior: "smooth", block: "nearest" });
    card.classList.remove("nd-flash");
    void card.offsetWidth;
    card.classList.add("nd-flash");
    setTimeout(() => card.classList.remove("nd-flash"), 2500);
  }, true);
  document.addEventListener("mouseover", (e) => { const a = marker(e); const c = a && cardOf(a); if (c) c.classList.add("nd-hot"); });
  document.addEventListener("mouseout", (e) => { const a = marker(e); const c = a && cardOf(a); if (c) c.classList.remove("nd-hot"); });
})();
</script>
"""

ANSWERS_AT_ONCE = 4  # questions answered concurrently; more wait in Gradio's queue
# Gradio's default pool of 40 threads lets every generator step land on another thread, and each
# thread that runs the model grows its own malloc arena: memory crept up under load until the pool
# was bounded (measured with eval/benchmarks/load.py).
WORKER_THREADS = ANSWERS_AT_ONCE + 4
# Gradio keeps timing records of the last 10,000 events for its monitoring page and rebuilds a
# pandas table of all of them after every event: memory and time per answer grew with the event
# count. Newsdesk does not use that page, so it keeps few (an operator's own setting wins).
GRADIO_EVENT_RECORDS = "100"
# Runs in the browser before each question is sent: the inputs pass through unchanged (so the
# question is taken first), then the box is emptied. No server round trip, and no gr.skip().
CLEAR_QUESTION_JS = """
(...inputs) => {
  setTimeout(() => {
    const box = document.querySelector("#nd-question textarea");
    if (box) { box.value = ""; box.dispatchEvent(new Event("input", { bubbles: true })); }
  }, 0);
  return inputs;
}
"""
WAITING = "Searching the archive and checking the answer…"
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


def build_app(nd: Newsdesk) -> gr.Blocks:
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
        streamed, epoch = "", conversation.started
        try:
            filters = make_filters(sources, since, until)
            for item in nd.ask_stream(message, list(conversation.pairs), filters=filters):
                if conversation.started != epoch:
                    return  # "New conversation" was pressed meanwhile: this answer belongs to the old one
                if isinstance(item, Answer):
                    turn = conversation.turns + 1
                    articles = {c.doc_id: getattr(nd.manifest.article(c.doc_id), "text", None) for c in item.citations}
                    cards = source_cards(item, articles, turn)
                    if conversation.started != epoch:  # pressed while the cards were built: keep it out
                        return
                    conversation.turns = turn
                    conversation.remember(message, item.text, cards)
                    release_free_heap()
                    chat[-1]["content"] = answer_markdown(item, turn) + "\n\n" + byline(item, filters)
                    yield chat, conversation, sources_panel(conversation.groups)
                else:
                    streamed += item
                    chat[-1]["content"] = escape_markdown(streamed)
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

    def archive_view():
        summary = nd.manifest.summary()
        return archive_html(summary), gr.update(choices=summary.sources)

    def outlet_choices():  # opening Filters shows outlets that other sessions' uploads added since
        return gr.update(choices=nd.manifest.summary().sources)

    def upload(paths, progress=gr.Progress()):
        if not paths:  # every output set, no gr.skip(): see respond
            return "", *archive_view(), None
        results = []
        for number, path in enumerate(paths):
            name = Path(path).name
            progress((number, len(paths)), desc=f"adding {name}", unit="files")
            try:
                results.append(file_result(name, nd.ingest([Path(path)])))
            except (StoreError, ValueError, OSError) as exc:
                results.append(FileResult(name, "failed", str(exc)))
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
    example = next(iter(example_questions(nd.manifest.listing(), 1)), "")

    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as page:
        conversation = gr.State(Conversation())
        gr.Markdown("## Newsdesk\nAsk about the articles in your archive. Every claim is cited to the exact passage; "
                    "click or hover a marker such as [1] to see its source.")
        with gr.Tabs(elem_id="nd-tabs"):
            with gr.Tab("Ask", elem_id="nd-tab-ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Conversation", height=460, elem_id="nd-chat", sanitize_html=True, latex_delimiters=[],
                            allow_tags=False, feedback_options=None, buttons=["copy"],
                            placeholder="Ask a question about the archive" + (f", for example: {example}" if example else "."),
                        )
                        question = gr.Textbox(label="Question", placeholder=example or "Ask about the archive", elem_id="nd-question",
                                              lines=1, max_lines=4)
                        with gr.Row():
                            ask_button = gr.Button("Ask", variant="primary", elem_id="nd-ask")
                            clear = gr.Button("New conversation", elem_id="nd-new")
                        with gr.Accordion("Filters", open=False, elem_id="nd-filters") as filter_panel:
                            outlets = gr.Dropdown(label="Outlets", multiselect=True, choices=nd.manifest.summary().sources,
                                                  value=[], elem_id="nd-outlets",
                                                  info="Only these outlets (empty: all).")
                            with gr.Row():
                                # Plain text boxes, not date pickers: a picker keeps its last valid date when
                                # the text typed is not one, so the filter applied would differ from the one shown.
                                since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", max_lines=1, elem_id="nd-since")
                                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", max_lines=1, elem_id="nd-until")
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(SOURCES_PLACEHOLDER, label="Sources", elem_id="nd-sources", js_on_load=None)
            with gr.Tab("Check a draft", elem_id="nd-tab-check"):
                gr.Markdown("Paste a paragraph (a reporter's draft, a model's answer): each sentence is checked "
                            "against the archive and marked supported, contradicted or not found, with its source.")
                draft = gr.Textbox(label="Draft", lines=6, max_lines=20, elem_id="nd-draft",
                                   placeholder="Hungary promised not to veto NATO's plan. Orban sent 10,000 troops.")
                check_button = gr.Button("Check", variant="primary", elem_id="nd-check")
                checked = gr.HTML(elem_id="nd-checked", js_on_load=None)
        with gr.Accordion("Archive", open=False, elem_id="nd-archive-panel") as archive_panel:
            archive = gr.HTML(elem_id="nd-archive", js_on_load=None)
            files = gr.File(label="Add articles (.txt, .md, .html, .json, .jsonl)", file_count="multiple",
                            type="filepath", elem_id="nd-upload", file_types=sorted(SUPPORTED_SUFFIXES))
            results = gr.HTML(elem_id="nd-upload-results", js_on_load=None)

        ask_inputs = [question, chatbot, conversation, outlets, since, until]
        ask_outputs = [chatbot, conversation, sources]
        asked = ask_button.click(respond, ask_inputs, ask_outputs, api_name="ask", js=CLEAR_QUESTION_JS)
        submitted = question.submit(respond, ask_inputs, ask_outputs, api_visibility="private", js=CLEAR_QUESTION_JS)
        # Starting over cancels an answer in flight: its last yield would bring the old conversation back.
        for event in (clear.click, chatbot.clear):
            event(new_conversation, conversation, [chatbot, conversation, sources, question], api_visibility="private",
                  cancels=[asked, submitted])
        filter_panel.expand(outlet_choices, None, outlets, api_visibility="private")
        archive_panel.expand(archive_view, None, [archive, outlets], api_visibility="private")
        files.upload(upload, files, [results, archive, outlets, files], api_visibility="private", concurrency_limit=1)
        page.load(archive_view, None, [archive, outlets], api_visibility="private")
        check_button.click(check, draft, checked, api_name="check")
    return page


def launch(nd: Newsdesk, block: bool = True) -> gr.Blocks:
    """Serve the page on the configured host and port (loopback by default), with a login if set.

    With ``block=False`` it returns at once; the running page has ``local_url`` and ``close()``.
    """
    users = auth_users(nd.settings)
    if nd.settings.host not in ("127.0.0.1", "localhost", "::1") and not users:
        log.warning("the chat is reachable from the network on %s without a login; set NEWSDESK_AUTH", nd.settings.host)
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", GRADIO_EVENT_RECORDS)
    page = build_app(nd)
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    page.queue(default_concurrency_limit=ANSWERS_AT_ONCE).launch(
        server_name=nd.settings.host, server_port=nd.settings.port, theme=theme, css=CSS, head=HEAD,
        auth=users, auth_message="Newsdesk: sign in" if users else None,
        max_file_size=nd.settings.upload_max_mb * 2**20,
        prevent_thread_lock=True, show_error=False, quiet=True, ssr_mode=False,
        max_threads=WORKER_THREADS,
    )
    if block:  # Gradio's own banner would suggest share=True, which no Newsdesk user can set
        print(f"Newsdesk chat on {page.local_url} (Ctrl+C stops it)", flush=True)
        page.block_thread()
    return page
