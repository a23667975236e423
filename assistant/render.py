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

from assistant.app import unmentioned_note
from assistant.claims import DraftCheck
from assistant.settings import Settings
from assistant.types import Answer, Citation
from ingest.manifest import ArchiveSummary
from ingest.pipeline import IngestReport
from ingest.text import plural
from ingest.types import Filters

SOURCES_PLACEHOLDER = '<p class="nd-meta">Sources appear here: each [n] in an answer points to its card.</p>'
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
    if note := unmentioned_note(answer):
        parts.insert(0, f'<span class="nd-caveat">{escape_markdown(note)}</span>\n\n')
    return "".join(parts)


def byline(answer: Answer, filters: Filters) -> str:
    """Who answered, with which model, how fast, and within which filters."""
    bits = [f"Answered by {answer.answerer}" + (f" · {answer.model}" if answer.model else "")]
    if "total_s" in answer.timings:
        bits.append(f"{answer.timings['total_s']:.1f} s")
    if not filters.is_empty():
        bits.append("filtered to " + filters.describe())
    return f'<span class="nd-by">{escape_markdown(" · ".join(bits))}</span>'


def citation_card(citation: Citation, article_text: str | None, turn: int) -> str:
    """One source card: headline, outlet, date, link, and the paragraph with the quote marked."""
    esc = html.escape
    title = esc(citation.title or citation.doc_id)
    link = safe_link(citation.url)
    head = f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer nofollow">{title}</a>' if link else title
    meta = " · ".join(esc(x) for x in (citation.source, citation.published_at[:10]) if x) or "unknown outlet"
    if citation.field == "title":  # the quote is the headline itself
        body = f'<mark>{esc(citation.quote)}</mark> <span class="nd-where">(the headline)</span>'
    elif article_text is not None and article_text[citation.start : citation.end] == citation.quote:
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
        f'<div class="nd-card" id="{card_id(turn, citation.n)}">'
        f'<div class="nd-head"><span class="nd-num">[{citation.n}]</span>{head}</div>'
        f'<div class="nd-meta">{meta}</div><blockquote>{body}</blockquote></div>'
    )


def source_cards(answer: Answer, articles: dict[str, str | None], turn: int) -> str:
    """The cards of one answer (``articles`` maps doc ids to stored text, None when gone)."""
    if answer.refused and not answer.passages:
        return '<p class="nd-meta">None: no article was found to answer from.</p>'
    if answer.refused:
        return '<p class="nd-meta">None: no article found answers the question.</p>'  # within the filters, if any
    return "".join(citation_card(c, articles.get(c.doc_id), turn) for c in answer.citations)


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


def archive_html(summary: ArchiveSummary) -> str:
    if not summary.documents:
        return "<p><b>The archive is empty.</b> Add articles below.</p>"
    low, high = (summary.published_at_min or "")[:10], (summary.published_at_max or "")[:10]
    span = f"{low} to {high}" if low else "no publication dates"
    outlets = ", ".join(summary.sources) if summary.sources else "none named"
    return (
        f"<p><b>{summary.documents}</b> articles, <b>{summary.chunks}</b> passages · published {html.escape(span)}</p>"
        f'<p class="nd-meta">{len(summary.sources)} outlet{"s" * (len(summary.sources) != 1)}: {html.escape(outlets)}</p>'
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


def auth_users(settings: Settings) -> list[tuple[str, str]] | None:
    """Logins from ``auth`` (``user:password``) and ``auth_file`` (one ``user:password`` a line)."""
    users: list[tuple[str, str]] = []
    if settings.auth is not None:
        users.append(split_login(settings.auth.get_secret_value(), "NEWSDESK_AUTH"))
    if settings.auth_file is not None:
        try:
            lines = settings.auth_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"{settings.auth_file}: cannot read the users file: {exc.strerror or exc}") from None
        for number, line in enumerate(lines, start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                users.append(split_login(line.strip(), f"{settings.auth_file}:{number}"))
        if not users:
            raise ValueError(f"{settings.auth_file}: no user:password lines")
    return users or None


def split_login(value: str, where: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise ValueError(f"{where}: expected user:password")  # never echo the value: it is a secret
    return user.strip(), password


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
