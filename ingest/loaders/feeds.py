"""RSS 2.0, Atom and RDF (RSS 1.0) feeds (``.rss``, ``.atom``, ``.rdf``, and ``.xml`` files that are
feeds), read with feedparser: each item is an article, its outlet the feed's title unless the item
names its own (``<source>``), its text the full content when the feed carries it (``content:encoded``,
Atom's ``<content>``), else the summary, HTML read as text. An item's id is its link, else its guid,
so reading the feed again finds the same articles."""

from __future__ import annotations

import io
import re
import time
import xml.sax
from collections.abc import Iterator

from ingest.loaders.decoding import normalise_text, single_line, stream_encoding
from ingest.loaders.fields import article_from_record, published_date
from ingest.loaders.files import Source
from ingest.loaders.markup import html_text
from ingest.loaders.registry import register
from ingest.loaders.results import Failure, LoadError
from ingest.types import Article

FEED_SUFFIXES = (".rss", ".atom", ".rdf", ".xml")
FEED_CONTENT_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# RSS's <author> is an e-mail address with the name in brackets: "desk@example.org (Mara Quinn)"
_RSS_AUTHOR = re.compile(r"\S+@\S+\s*\((?P<name>[^()]+)\)")


def as_text(detail: dict | None) -> str:
    """A feed's text construct (title, summary, content) as plain text: HTML read as text."""
    if not detail or not detail.get("value"):
        return ""
    value = detail["value"]
    return normalise_text(html_text(value) if detail.get("type") in HTML_TYPES else value)


def item_text(entry: dict) -> str:
    """The item's full content when the feed carries it (the longest, when it carries several), else its summary."""
    contents = [as_text(content) for content in entry.get("content") or ()]
    return max(contents, key=len, default="") or as_text(entry.get("summary_detail"))


def item_author(entry: dict) -> str:
    author = single_line(entry.get("author"))
    match = _RSS_AUTHOR.fullmatch(author)
    return match["name"].strip() if match else author


def item_date(entry: dict) -> str:
    """The item's publication date (else the date it was updated), as stored; a date feedparser
    reads but Newsdesk does not is taken in UTC."""
    for key in ("published", "updated"):
        written = single_line(entry.get(key))
        if written:
            try:
                return published_date(written)
            except LoadError:
                parsed = entry.get(f"{key}_parsed")
                if not parsed:
                    raise
                return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", parsed)
    return ""


def web_link(value: object) -> str:
    """A link that is a web address; "" for others (an Atom id such as "tag:example.org,2024:1")."""
    link = single_line(value)
    return link if link.lower().startswith(("http://", "https://")) else ""


def item_article(entry: dict, index: int, source: Source, outlet: str) -> Article:
    text = item_text(entry)
    if not text:
        raise LoadError("no text (the item has neither content nor a summary)")
    guid = single_line(entry.get("id"))
    named = entry.get("source") or {}
    record = {
        "title": single_line(as_text(entry.get("title_detail"))) or None, "body": text,
        "url": web_link(entry.get("link")) or web_link(guid), "source": single_line(named.get("title")) or outlet,
        "author": item_author(entry), "published_at": item_date(entry),
        "category": single_line((entry.get("tags") or [{}])[0].get("term")),
    }
    return article_from_record(record, f"{source.doc_id}#{guid or index}", source.stored)


def malformed(exc: Exception) -> str:
    where = f" at line {exc.getLineNumber()} column {exc.getColumnNumber()}" if isinstance(exc, xml.sax.SAXParseException) else ""
    message = exc.getMessage() if isinstance(exc, xml.sax.SAXException) else str(exc)
    return f"malformed feed: {single_line(message)}{where}"


@register("feed", FEED_SUFFIXES, content_types=FEED_CONTENT_TYPES)
def load_feed(source: Source) -> Iterator[Article | Failure]:
    """Each item of the feed (ids: its link, else "#<guid>", else "#<index>" counted from 0); an item
    without text is a failure of its own. A broken feed keeps the items feedparser could still read,
    and fails with the reason (a feed with none fails with it alone)."""
    import feedparser  # only when a feed is read: it takes a while to import

    raw = source.read_bytes()
    stream_encoding(raw)  # binary data and PDFs are named as such, not as a broken feed
    # a stream, never bytes or a string: feedparser opens those as a file name, or fetches them as a URL
    parsed = feedparser.parse(io.BytesIO(raw), resolve_relative_uris=False, sanitize_html=True)
    broken = parsed.get("bozo_exception") if isinstance(parsed.get("bozo_exception"), xml.sax.SAXException) else None
    if not parsed.entries:
        if broken:
            raise LoadError(malformed(broken))
        if not parsed.get("version"):
            raise LoadError("not an RSS, Atom or RDF feed")
        raise LoadError("the feed holds no items")
    outlet = single_line(as_text(parsed.feed.get("title_detail")))
    for index, entry in enumerate(parsed.entries):
        try:
            yield item_article(entry, index, source, outlet)
        except LoadError as exc:
            yield Failure(f"{source.shown} item {index}", str(exc))
    if broken:
        raise LoadError(f"{malformed(broken)}; the items that could be read were kept")
