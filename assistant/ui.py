"""The chat page (Gradio). Article text is untrusted: everything from the archive is HTML-escaped."""

from __future__ import annotations

import html
import re
from pathlib import Path

import gradio as gr

from assistant.answer import AnswerError
from assistant.app import Newsdesk
from assistant.types import Answer, Citation

CSS = """
.nd-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
.nd-card .nd-head { font-weight: 600; }
.nd-card .nd-meta { color: #57606a; font-size: 0.9em; }
.nd-card blockquote { margin: 6px 0 0 0; padding-left: 10px; border-left: 3px solid #d0d7de; white-space: pre-wrap; }
.nd-card mark { background: #fff3a3; }
.nd-refused { color: #9a6700; }
"""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_markdown(text: str) -> str:
    """Plain text that Markdown renders as itself: no links, images, HTML or emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=True))


def safe_link(url: str) -> str | None:
    """Only http(s) links become live; anything else (javascript:, data:) stays text."""
    return url if re.match(r"^https?://", url, re.I) else None


def citation_card(citation: Citation, article_text: str | None) -> str:
    """One source card: headline, outlet, date, link, and the paragraph with the quote marked."""
    esc = html.escape
    title = esc(citation.title or citation.doc_id)
    link = safe_link(citation.url)
    head = f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer nofollow">{title}</a>' if link else title
    meta = " · ".join(esc(x) for x in (citation.source, citation.published_at[:10]) if x) or "unknown outlet"
    if article_text is not None and article_text[citation.start : citation.end] == citation.quote:
        para_start = article_text.rfind("\n", 0, citation.start) + 1
        para_end = article_text.find("\n", citation.end)
        para_end = len(article_text) if para_end == -1 else para_end
        body = (
            esc(article_text[para_start : citation.start])
            + f"<mark>{esc(citation.quote)}</mark>"
            + esc(article_text[citation.end : para_end])
        )
    else:
        body = f"<mark>{esc(citation.quote)}</mark>"
    return (
        f'<div class="nd-card" id="nd-source-{citation.n}"><div class="nd-head">[{citation.n}] {head}</div>'
        f'<div class="nd-meta">{meta}</div><blockquote>{body}</blockquote></div>'
    )


def sources_html(nd: Newsdesk, answer: Answer) -> str:
    who = html.escape(f"Answered by {answer.answerer}" + (f" ({answer.model})" if answer.model else ""))
    if answer.refused:
        return f'<p class="nd-refused">{html.escape(answer.text)}</p><p class="nd-meta">{who}</p>'
    cards = []
    for citation in answer.citations:
        article = nd.manifest.article(citation.doc_id)
        cards.append(citation_card(citation, article.text if article else None))
    return "".join(cards) + f'<p class="nd-meta">{who}</p>'


def pairs(history: list[dict]) -> list[tuple[str, str]]:
    """Chat messages as (question, answer) pairs for the answerer's follow-up handling."""
    out, question = [], None
    for message in history:
        content = message.get("content")
        text = content if isinstance(content, str) else ""
        if message.get("role") == "user":
            question = text
        elif question is not None:
            out.append((question, text))
            question = None
    return out


def build_app(nd: Newsdesk) -> gr.Blocks:
    def respond(message: str, history: list[dict]):
        history = list(history or [])
        message = (message or "").strip()
        if not message:
            yield history, gr.update(), ""
            return
        past = pairs(history)
        history = history + [{"role": "user", "content": escape_markdown(message)}, {"role": "assistant", "content": ""}]
        streamed = ""
        try:
            for item in nd.ask_stream(message, past):
                if isinstance(item, Answer):
                    history[-1]["content"] = escape_markdown(item.text)
                    yield history, sources_html(nd, item), ""
                else:
                    streamed += item
                    history[-1]["content"] = escape_markdown(streamed)
                    yield history, gr.update(), ""
        except (AnswerError, ValueError) as exc:
            history[-1]["content"] = escape_markdown(f"Sorry, I could not answer: {exc}")
            yield history, "", ""

    def upload(paths: list[str] | None):
        if not paths:
            return "No files given."
        report = nd.ingest([Path(p) for p in paths])
        lines = [html.escape(report.summary_line())]
        lines += [f"failed: {html.escape(Path(f.path).name)}: {html.escape(f.reason)}" for f in report.failed]
        return "<br>".join(lines) + "<br>" + archive_html()

    def archive_html() -> str:
        s = nd.manifest.summary()
        span = f"{(s.published_min or '')[:10]} to {(s.published_max or '')[:10]}" if s.published_min else "no dates"
        return html.escape(f"{s.documents} articles, {s.chunks} chunks, {len(s.sources)} outlets, {span}")

    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as page:
        gr.Markdown("## Newsdesk\nAsk about the articles in your archive; every claim is cited to the exact passage.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=420, sanitize_html=True, elem_id="nd-chat")
                question = gr.Textbox(label="Question", placeholder="What did Hungary commit to?", elem_id="nd-question")
                with gr.Row():
                    ask_button = gr.Button("Ask", variant="primary", elem_id="nd-ask")
                    clear = gr.Button("New conversation", elem_id="nd-new")
            with gr.Column(scale=2):
                sources = gr.HTML(label="Sources", elem_id="nd-sources")
        with gr.Accordion("Archive", open=False):
            archive = gr.HTML(archive_html, elem_id="nd-archive")
            files = gr.File(label="Add articles", file_count="multiple", type="filepath")
            files.upload(upload, files, archive)
        ask_button.click(respond, [question, chatbot], [chatbot, sources, question], api_name="ask")
        question.submit(respond, [question, chatbot], [chatbot, sources, question], api_name=False)
        clear.click(lambda: ([], "", ""), None, [chatbot, sources, question], api_name=False)
    return page


def launch(nd: Newsdesk, block: bool = True):
    page = build_app(nd)
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    return page.queue(default_concurrency_limit=4).launch(
        server_name=nd.settings.host, server_port=nd.settings.port, theme=theme, css=CSS,
        prevent_thread_lock=not block, show_error=False, quiet=not block,
    )
