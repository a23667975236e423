"""The chat page's HTML and Markdown, as pure functions of answers, citations and reports.

Article text, headlines, outlets and model output are untrusted: everything from the archive or a
model is escaped here (HTML-escaped, and Markdown-escaped for the chat), and only http(s) links ever
become live. The page (``assistant.ui``) puts these strings on screen; Gradio's sanitiser runs on top.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.app import Stage, unmentioned_note
from assistant.claims import DraftCheck
from assistant.injection import suspicious_note
from assistant.types import Answer, Citation
from ingest.manifest import ArchiveSummary, Copy
from ingest.pipeline import IngestReport
from ingest.text import plural
from ingest.types import Filters

SOURCES_PLACEHOLDER = '<p class="nd-meta nd-nosources">Sources appear here: each [n] in an answer points to its card.</p>'
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:@$])")
_MARKER = re.compile(r"\[(\d+)\]")


def escape_markdown(text: str) -> str:
    """Plain text that Markdown renders as itself: no links, autolinks, images, HTML, maths or emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def safe_link(url: str) -> str | None:
    """Only http(s) links become live; anything else (javascript:, data:, a path) stays text."""
    return url if re.match(r"^https?://[^\s]+$", url or "", re.I) else None


def card_id(turn: int, n: int) -> str:
    return f"nd-s{turn}-{n}"


def answer_markdown(answer: Answer, turn: int) -> str:
    """The answer as chat Markdown: escaped text, each known [n] a link to its card, quote on hover."""
    if answer.refused:
        return f'<span class="nd-refused">{escape_markdown(answer.text)}</span>'
    quotes = {c.n: c for c in answer.citations}
    parts, last = [], 0
    for match in _MARKER.finditer(answer.text):
        parts.append(escape_markdown(answer.text[last : match.start()]))
        n = int(match.group(1))
        citation = quotes.get(n)
        if citation is None:
            parts.append(escape_markdown(match.group()))
        else:
            hint = html.escape(f"{citation.source or citation.title}: {citation.quote}"[:300], quote=True)
            parts.append(f'<a class="nd-marker" href="#{card_id(turn, n)}" title="{hint}">[{n}]</a>')
        last = match.end()
    parts.append(escape_markdown(answer.text[last:]))
    for note in (unmentioned_note(answer), suspicious_note(answer)):
        if note:
            parts.insert(0, f'<span class="nd-caveat">{escape_markdown(note)}</span>\n\n')
    return "".join(parts)


def byline(answer: Answer, filters: Filters) -> str:
    """What a reader needs under an answer: where it comes from, how long it took, within which
    filters; the answerer, model, passages and timings behind a "how this was answered" toggle."""
    articles = plural(len({c.doc_id for c in answer.citations}), "article")
    if answer.refused:
        said = ["Searched the archive"]
    elif answer.answerer == "extractive":
        said = [f"Quoted from {articles}"]
    else:
        said = [f"Written from {articles}", "checked against the sources"]
    if "total_s" in answer.timings:
        said.append(f"{answer.timings['total_s']:.1f} s" if answer.timings["total_s"] >= 0.05 else "under 0.1 s")
    if not filters.is_empty():
        said.append("filtered to " + filters.describe())
    return f'<span class="nd-by">{escape_markdown(" · ".join(said))}</span>\n\n{how_answered(answer)}'


def how_answered(answer: Answer) -> str:
    """The details a curious reader (or a developer) asks for: answerer, model, method, counts, timings."""
    found = len({p.doc_id for p in answer.passages})
    lines = ["Answered by " + answer.answerer + (f" · {answer.model}" if answer.model else "")]
    if answer.answerer == "extractive":
        lines.append("The answer is sentences quoted word for word from the articles found; no language model wrote it.")
    else:
        lines.append("A language model wrote a draft from the passages found; each sentence was kept only where the "
                     "passage it cites supports it.")
    lines.append(f"Searched {plural(len(answer.passages), 'passage')} from {plural(found, 'article')}"
                 + "".join(f"; {what} {answer.timings[key]:.2f} s" for key, what in
                           (("retrieve_s", "search"), ("answer_s", "answer")) if key in answer.timings) + ".")
    if answer.usage:
        lines.append(" · ".join(f"{n} {key.replace('_', ' ')}" for key, n in answer.usage.items()) + ".")
    # an HTML block in the chat's Markdown: shown as written, so HTML-escaped, not Markdown-escaped
    body = "<br>".join(html.escape(line) for line in lines)
    return f'<details class="nd-how"><summary>how this was answered</summary><span class="nd-by">{body}</span></details>'


def stage_line(stage: Stage) -> str:
    """What the page says while answering: searching, reading the articles found, checking."""
    if stage.name == "reading":
        said = f"Reading {plural(stage.articles, 'article')}…" if stage.articles else "Found no article to read…"
    elif stage.name == "checking":
        said = "Checking each sentence against the sources…"
    else:
        said = "Searching the archive…"
    return f'<span class="nd-stage">{said}</span>'


def citation_card(citation: Citation, article_text: str | None, turn: int, also: tuple[Copy, ...] = ()) -> str:
    """One source card: headline (a link when the article has a safe one, else the file it came
    from), outlet and date, the quote marked, and the quote in its context to open, from the stored text."""
    esc = html.escape
    title = esc(citation.title or citation.doc_id)
    link = safe_link(citation.url)
    head = f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer nofollow">{title}</a>' if link else title
    meta = " · ".join(esc(x) for x in (citation.source, citation.published_at[:10]) if x) or "unknown outlet"
    parts = [f'<div class="nd-head"><span class="nd-num">[{citation.n}]</span>{head}</div>', f'<div class="nd-meta">{meta}</div>']
    if also:  # the near-duplicates folded into this story (ingest.duplicates), as text: never links
        where = dict.fromkeys(c.source if c.source and c.source != citation.source else c.url for c in also)
        parts.append(f'<div class="nd-meta nd-also">Also published by {esc(", ".join(where))}</div>')
    if not link and citation.path:  # a file with no link: say which, by name only (never the server's folders)
        parts.append(f'<div class="nd-meta nd-origin">From the file {esc(Path(citation.path).name)}</div>')
    where = ' <span class="nd-where">(the headline)</span>' if citation.field == "title" else ""
    parts.append(f"<blockquote><mark>{esc(citation.quote)}</mark>{where}</blockquote>")
    if context := quote_context(citation, article_text):
        parts.append(f'<details class="nd-context"><summary>Read it in context</summary><blockquote>{context}</blockquote></details>')
    return f'<div class="nd-card" id="{card_id(turn, citation.n)}">{"".join(parts)}</div>'


CONTEXT_CHARS = 600  # at most this much of the article either side of a quote opened in context
BRIEF = 120  # a paragraph that adds less than this to its quote is shown with the paragraphs either side


def quote_context(citation: Citation, text: str | None) -> str:
    """The quote's paragraph (and its neighbours when it is little more than the quote) with the
    quote marked, escaped; a headline with the article's opening paragraph. "" when the stored
    text is gone or no longer holds the quote, or when the context would add nothing to it."""
    esc = html.escape
    if text is None:
        return ""
    if citation.field == "title":
        end = _line_end(text, 0)
        if not text[:end].strip():
            return ""
        cut = end if end <= CONTEXT_CHARS else text.rfind(" ", 0, CONTEXT_CHARS)
        cut = cut if cut > 0 else min(end, CONTEXT_CHARS)
        return f"<mark>{esc(citation.quote)}</mark>\n\n{esc(text[:cut])}{'…' if cut < end else ''}"
    start, end = citation.start, citation.end
    if text[start:end] != citation.quote:
        return ""
    low, high = context_span(text, start, end)
    if not text[low:start].strip() and not text[end:high].strip():
        return ""
    before = "…" if low > 0 and text[low - 1] != "\n" else ""
    after = "…" if high < len(text) and text[high] != "\n" else ""
    return f"{before}{esc(text[low:start])}<mark>{esc(citation.quote)}</mark>{esc(text[end:high])}{after}"


def context_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the context around ``text[start:end]``: its paragraph, widened by one paragraph
    either side when brief, and cut at a space at most ``CONTEXT_CHARS`` either side of the quote."""
    low, high = text.rfind("\n", 0, start) + 1, _line_end(text, end)
    if (start - low) + (high - end) < BRIEF:
        previous = text[:low].rstrip("\n")
        low = previous.rfind("\n") + 1 if previous.strip() else low
        following = len(text) - len(text[high:].lstrip("\n"))
        high = _line_end(text, following) if following < len(text) else high
    if start - low > CONTEXT_CHARS:
        space = text.find(" ", start - CONTEXT_CHARS, start)
        low = space + 1 if space != -1 else start - CONTEXT_CHARS
    if high - end > CONTEXT_CHARS:
        space = text.rfind(" ", end, end + CONTEXT_CHARS)
        high = space if space != -1 else end + CONTEXT_CHARS
    return low, high


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end == -1 else end


def source_cards(
    answer: Answer, articles: dict[str, str | None], turn: int, also: dict[str, tuple[Copy, ...]] | None = None
) -> str:
    """The cards of one answer (``articles`` maps doc ids to stored text, None when gone; ``also``
    to the other copies of each story, ``Newsdesk.also_published``)."""
    if answer.refused and not answer.passages:
        return '<p class="nd-meta">None: no article was found to answer from.</p>'
    if answer.refused:
        return '<p class="nd-meta">None: no article found answers the question.</p>'  # within the filters, if any
    return "".join(citation_card(c, articles.get(c.doc_id), turn, (also or {}).get(c.doc_id, ())) for c in answer.citations)


def sources_panel(groups: list[tuple[str, str]]) -> str:
    """``(question, cards)`` per answer: the newest open at the top, earlier ones folded below it."""
    if not groups:
        return SOURCES_PLACEHOLDER
    (question, cards), *older = reversed(groups)
    newest = f'<div class="nd-group-title">Sources for “{html.escape(question)}”</div>{cards}'
    folded = "".join(
        f"<details><summary>Earlier: “{html.escape(q)}”</summary>{c}</details>" for q, c in older
    )
    return newest + folded


SHOWN_OUTLETS = 5  # outlets named at once; the rest fold behind "more"


def outlets_html(counts: dict[str, int], shown: int = SHOWN_OUTLETS) -> str:
    """Outlets with their article counts, the biggest first; beyond ``shown``, the rest behind "more"."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    named = [f'<span class="nd-outlet">{html.escape(name)}&nbsp;<span class="nd-count">{n}</span></span>' for name, n in ranked]
    out = f'<span class="nd-outlets">{" · ".join(named[:shown])}</span>'
    if len(named) > shown:
        out += (f'<details class="nd-more"><summary>{len(named) - shown} more</summary>'
                f'<span class="nd-outlets">{" · ".join(named[shown:])}</span></details>')
    return out


def archive_span(summary: ArchiveSummary) -> str:
    """When the archive's articles were published, as HTML (each date kept on one line)."""
    low, high = (html.escape((day or "")[:10]) for day in (summary.published_at_min, summary.published_at_max))
    return f'published <span class="nd-date">{low}</span> to <span class="nd-date">{high}</span>' if low else "no publication dates"


def archive_html(summary: ArchiveSummary, counts: dict[str, int]) -> str:
    """The Archive panel's summary: articles, passages, dates, and the outlets (``counts``: articles per outlet)."""
    if not summary.documents:
        return "<p><b>The archive is empty.</b> Add articles below.</p>"
    return (
        f"<p><b>{summary.documents}</b> articles, <b>{summary.chunks}</b> passages · {archive_span(summary)}</p>"
        f'<div class="nd-meta">{plural(len(counts), "outlet")}:</div>{outlets_html(counts)}'
    )


def welcome_html(summary: ArchiveSummary, counts: dict[str, int]) -> str:
    """The empty conversation: what the archive holds, at a glance (one line of HTML: the chat's
    Markdown keeps an HTML block as written up to its first blank line)."""
    if not summary.documents:
        return ('<div class="nd-welcome"><p><b>The archive is empty.</b> Add articles in the Archive panel '
                "at the bottom of the page, then ask about them here.</p></div>")
    outlets = f" from <b>{len(counts)}</b> outlet{'s' * (len(counts) != 1)}" if counts else ""
    return (
        f'<div class="nd-welcome"><p class="nd-glance"><b>{summary.documents}</b> article{"s" * (summary.documents != 1)}'
        f"{outlets}, {archive_span(summary)}.</p>"
        + (f"<div>{outlets_html(counts)}</div>" if counts else "")
        + "<p>Ask about them: every answer cites the passages it comes from.</p></div>"
    )


@dataclass(frozen=True)
class FileResult:
    name: str
    status: str  # "added", "replaced", "unchanged", "partly added" (some articles failed) or "failed"
    detail: str


def file_result(name: str, report: IngestReport) -> FileResult:
    """What happened to one uploaded file, from the ingest report of that file alone."""
    failures = "; ".join(f"{Path(f.path).name}: {f.reason}" for f in report.failed[:3])
    if len(report.failed) > 3:
        failures += f"; and {len(report.failed) - 3} more"
    if report.documents == 0:
        return FileResult(name, "failed", failures or "no articles found")
    changed = report.documents - report.unchanged
    if changed == 0:
        detail = f"{plural(report.documents, 'article')} already in the archive"
        status = "unchanged"
    else:
        status = "replaced" if report.chunks_removed else "added"
        detail = f"{plural(changed, 'article')}, {plural(report.chunks_added, 'passage')}"
        if report.unchanged:
            detail += f" ({report.unchanged} unchanged)"
    if report.failed:  # a JSONL with one bad line among good ones: not a plain success
        detail += f"; {len(report.failed)} failed: {failures}"
        status = "partly added"
    return FileResult(name, status, detail)


def results_html(results: list[FileResult]) -> str:
    css = {"added": "nd-ok", "replaced": "nd-ok", "unchanged": "nd-same", "partly added": "nd-partial", "failed": "nd-failed"}
    rows = "".join(
        f'<tr class="nd-file"><td>{html.escape(r.name)}</td><td class="{css[r.status]}">{r.status}</td>'
        f"<td>{html.escape(r.detail)}</td></tr>"
        for r in results
    )
    return f'<table class="nd-results"><tr><th>file</th><th>result</th><th>details</th></tr>{rows}</table>'


def parse_day(value: object, label: str) -> str | None:
    """A date box's text (``2024-06-14``, or empty) as an ISO date; anything else is an error that
    quotes what was typed (never silently ignored: the filter applied must be the one shown)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    try:
        day = date.fromisoformat(text) if isinstance(value, str) and len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"{label} must be a date like 2024-06-14, got {text[:40]!r}")
    return day.isoformat()


def make_filters(sources: list[str] | None, since: object, until: object) -> Filters:
    low, high = parse_day(since, "'From'"), parse_day(until, "'Until'")
    if low and high and low > high:
        raise ValueError(f"the date range is empty: 'From' {low} is after 'Until' {high}")
    return Filters(tuple(sources or ()), low, high)


CHECK_STYLE = {"supported": "nd-ok", "contradicted": "nd-failed", "not found": "nd-partial"}


def check_html(result: DraftCheck) -> str:
    """A checked draft: each claim with its verdict and reason, and the card of the passage that
    decides it (none for a claim nothing in the archive is about)."""
    if not result.claims:
        return '<p class="nd-meta">No sentence of three words or more to check.</p>'
    counts = result.counts()
    rows = [f'<p class="nd-meta">{counts["supported"]} supported · {counts["contradicted"]} contradicted · '
            f'{counts["not found"]} not found</p>']
    for checked in result.claims:
        verdict = f'<span class="{CHECK_STYLE[checked.status]}">{html.escape(checked.status)}</span>'
        card = citation_card(checked.citation, None, 0) if checked.citation and checked.status != "not found" else ""
        rows.append(f'<div class="nd-claim"><p>{verdict} {html.escape(checked.claim)}</p>'
                    f'<p class="nd-meta">{html.escape(checked.reason)}</p>{card}</div>')
    return "".join(rows)
