"""Turn files into articles: one loader per format, every failure a one-line reason.

Formats: ``.txt``/``.md`` (first non-empty line is the headline, an optional ``---`` front matter
block of ``key: value`` lines sets metadata), ``.html``/``.htm`` (headline, metadata from meta tags
and JSON-LD, and the story's text: the ``<article>`` when the page has one; scripts, menus, site
headers and footers dropped), ``.json`` (one article object or a list of them) and ``.jsonl`` (one
article object a line; bad lines are reported by number, good ones kept).
"""

from __future__ import annotations

import codecs
import difflib
import errno
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from ingest.dates import DAY_PATTERNS, matched_day
from ingest.types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024
# Folder walks skip a project's own notes (README.md, LICENSE, NOTICE.txt), named exactly so: an
# article may well be "notice-of-strike.txt". Name such a file explicitly to ingest it.
NOT_ARTICLES = {"readme", "license", "licence", "changelog", "notice", "attribution"}
METADATA_FIELDS = ("url", "source", "author", "published_at", "category")


class LoadError(Exception):
    """A file (or one record in it) that cannot become an article; ``str()`` is the reason."""


@dataclass
class Failure:
    path: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Loaded:
    """What one file gave: its articles and the records that failed (file-level or per line)."""

    path: Path
    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def symlink_loop(path: Path) -> bool:
    """Whether following ``path``'s links leads back round to it (``a -> b -> a``): such a path is
    neither a file nor missing, and ``Path.resolve`` raises on it."""
    try:
        path.stat()
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def find_files(paths: list[Path]) -> tuple[list[tuple[Path, Path]], list[Failure]]:
    """Expand files and folders (recursively) into ``(file, root)`` pairs, in a stable order.

    ``root`` is the folder a document id is made relative to. Symlinked folders are not followed,
    so a symlink loop cannot make the walk endless.
    """
    found: list[tuple[Path, Path]] = []
    failures: list[Failure] = []
    for given in paths:
        if given.is_dir():
            before = len(found)
            for folder, dirnames, filenames in os.walk(given, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    candidate = Path(folder) / name
                    if (
                        candidate.suffix.lower() in SUPPORTED_SUFFIXES
                        and not name.startswith(".")
                        and candidate.stem.lower() not in NOT_ARTICLES
                    ):
                        found.append((candidate, given))
            if len(found) == before:  # a mistyped or wrong folder must not look like a successful ingest
                failures.append(Failure(str(given), f"no article files in this folder (looked for {', '.join(sorted(SUPPORTED_SUFFIXES))})"))
        elif given.is_file():
            if given.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append((given, given.parent))
            else:
                failures.append(
                    Failure(str(given), f"unsupported file type '{given.suffix or '(none)'}' "
                            f"(use {', '.join(sorted(SUPPORTED_SUFFIXES))})")
                )
        elif given.exists():
            failures.append(Failure(str(given), "not a regular file or folder"))
        elif symlink_loop(given):
            failures.append(Failure(str(given), "symlink loop"))
        else:
            failures.append(Failure(str(given), "no such file or folder"))
    return found, failures


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


def declared_charset(raw: bytes) -> str | None:
    """The encoding an HTML page declares in its first 4 KB (``<meta charset=...>``), if Python knows it."""
    match = _META_CHARSET.search(raw[:4096])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def utf16_without_bom(sample: bytes) -> bool:
    """Whether the NUL bytes fill most of every other byte and none of the rest, as in UTF-16 text of
    a Latin script saved without its byte-order mark: such a file is text, not "binary"."""
    halves = sample[0::2], sample[1::2]
    return any(half.count(0) > len(half) / 2 and 0 not in other for half, other in (halves, halves[::-1]))


def decode(raw: bytes, declared: str | None = None) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM; refuses binary data, naming
    what it is when that is known. A page that declares another encoding (``declared``) is read in
    it when it is not valid UTF-8."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"not valid UTF-16 (byte {exc.start})") from None
    if raw.startswith(b"%PDF-"):
        raise LoadError("a PDF document, not text: PDFs are not supported; save its text as .txt")
    if b"\x00" in raw[:8192]:
        if utf16_without_bom(raw[:8192]):
            raise LoadError("UTF-16 without a byte-order mark; save the file as UTF-8 (or UTF-16 with a BOM)")
        raise LoadError("binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if declared and declared != "utf-8":
            try:
                return raw.decode(declared)
            except UnicodeDecodeError:
                raise LoadError(f"not valid {declared} (as the page declares) at byte {exc.start}") from None
        raise LoadError(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """Canonical stored text: LF newlines, no control or bidi-override characters,
    single spaces, at most one blank line between paragraphs, no surrounding whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _single_line(value: object) -> str:
    return normalise_text(str(value)).replace("\n", " ") if value is not None else ""


# ISO 8601's extended form ("2024-06-14", "2024-06-14T10:15:00Z"), kept as given so that documents
# already stored keep their content hash.
_EXTENDED_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?")


def iso_date(value: str) -> str | None:
    """``value`` in ISO 8601's extended form, or None when it is no ISO 8601 date Python reads.
    The basic ("20240614T101500Z") and week ("2024-W24-5") forms are rewritten: the stored
    date's first ten characters are its day for ``list``, ``status`` and the date filters."""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return value if _EXTENDED_ISO.fullmatch(value) else moment.isoformat()


_WEEKDAY = re.compile(r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+", re.I)
# How articles write their dates, read as questions are ("November 24, 2023", "24 Nov 2023"), in any case.
_WRITTEN_DATES = [re.compile(pattern.pattern, re.I) for pattern in DAY_PATTERNS[1:]]
_NUMERIC_DATE = re.compile(r"(?P<a>\d{1,2})([/.])(?P<b>\d{1,2})\2(?P<year>\d{4})")


def written_date(value: str) -> str | None:
    """A day written in words with its year ("November 24, 2023", "Friday, 24 Nov 2023") as
    YYYY-MM-DD; None when the value is not one (an impossible day included)."""
    text = _WEEKDAY.sub("", value.strip())
    for pattern in _WRITTEN_DATES:
        match = pattern.fullmatch(text)
        if match and match["y"]:
            day = matched_day(match)
            return day.isoformat() if day else None
    return None


def numeric_date(value: str) -> str | None:
    """A slashed or dotted day ("24/11/2023", "11/24/2023") as YYYY-MM-DD when only one reading is
    a date; a ``LoadError`` when both are ("03/04/2023" is 3 April in Europe and March 4 in the US);
    None when the value has another form."""
    match = _NUMERIC_DATE.fullmatch(value.strip())
    if not match:
        return None
    first, second, year = int(match["a"]), int(match["b"]), int(match["year"])
    readings = []
    for month, day in ((second, first), (first, second)):  # day first, then month first
        try:
            readings.append(date(year, month, day).isoformat())
        except ValueError:
            pass
    readings = list(dict.fromkeys(readings))
    if len(readings) > 1:
        raise LoadError(
            f"'published_at' {value.strip()!r} is ambiguous (day first it is {readings[0]}, month first "
            f"{readings[1]}): write it as YYYY-MM-DD"
        )
    return readings[0] if readings else None


def published_date(value: str) -> str:
    """A publication date as stored: ISO 8601 (``iso_date``), an RFC 2822 date (RSS feeds) as ISO
    8601, a date written in words or an unambiguous numeric one as YYYY-MM-DD.

    Anything else is a ``LoadError``: date filters and the archive's date span compare the
    stored ISO day, so "2024-13-45" or "last Tuesday" would be kept but never match.
    """
    if not value:
        return ""
    iso = iso_date(value)
    if iso:
        return iso
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    day = written_date(value) or numeric_date(value)
    if day:
        return day
    raise LoadError(f"'published_at' {value[:40]!r} is not a date: use YYYY-MM-DD or ISO 8601")


def json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words ("a list", "a number"), for messages."""
    if isinstance(value, bool):
        return "true/false"
    kinds = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return kinds.get(type(value), "null" if value is None else type(value).__name__)


# Keys other tools write for the fields Newsdesk reads (Jekyll and Hugo use "date", RSS "link" and
# "pubDate"): front matter and JSON articles read the same ones.
FIELD_ALIASES = {
    "date": "published_at", "published": "published_at", "pubdate": "published_at", "publishdate": "published_at",
    "link": "url", "permalink": "url", "outlet": "source", "publisher": "source", "byline": "author",
    "section": "category", "date_published": "published_at", "authors": "author",
}
# A JSON article's text is the first of these it has: RSS's "content" is the story, its
# "description" often only a summary; JSON Feed writes "content_text", "content_html", "summary".
BODY_KEYS = ("body", "text", "content", "content_text", "content_html", "description", "summary")
HTML_BODY_KEYS = frozenset({"content_html"})
# Where feeds exported as JSON keep their articles: JSON Feed's "items", RSS's rss.channel.item
# (as XML-to-JSON converters write it), Atom's feed.entry, and the lists API exports use.
FEED_PATHS = (("items",), ("item",), ("rss", "channel", "item"), ("channel", "item"), ("channel", "items"),
              ("feed", "entry"), ("feed", "entries"), ("entries",), ("entry",), ("articles",), ("posts",), ("stories",))


@dataclass
class Feed:
    """The articles of a feed exported as one JSON object."""

    items: list
    where: str  # the keys that lead to them: "items", "rss.channel.item"
    title: str  # the feed's (or RSS channel's) title: the outlet of items that name none


def lookup(record: object, key: str) -> object:
    """``record[key]`` with the key in any case (feeds converted from XML keep its capitals); None
    when the record is no object or has no such key."""
    if not isinstance(record, dict):
        return None
    return next((value for name, value in record.items() if name.lower() == key), None)


def feed_items(data: object) -> Feed | None:
    """The feed a JSON object is; None for an object that is an article itself or holds no list
    of articles. A lone item converted from XML is an object, not a list: a list of one."""
    if not isinstance(data, dict) or any(key.lower() in BODY_KEYS for key in data):
        return None
    for path in FEED_PATHS:
        *outer, last = path
        parent = data
        for key in outer:
            parent = lookup(parent, key)
        items = lookup(parent, last)
        if isinstance(items, dict):
            items = [items]
        if isinstance(items, list) and items:
            title = lookup(parent, "title")
            return Feed(items, ".".join(path), _single_line(title) if isinstance(title, str) else "")
    return None


def article_field(key: str, label: str, known_too: tuple[str, ...] = ()) -> str | None:
    """The article field a lower-case key sets; None for keys Newsdesk does not read ("tags",
    "layout", or "categories" and "subtitle", other tools' keys that extend a field's name); a
    LoadError for a key that looks like a misspelt field ("sorce"), which would otherwise be dropped
    without a word. ``label`` names such keys in the message; ``known_too`` are the caller's own keys."""
    if key == "title" or key in METADATA_FIELDS:
        return key
    if key in FIELD_ALIASES:
        return FIELD_ALIASES[key]
    known = ["title", *METADATA_FIELDS, *FIELD_ALIASES, *known_too]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    if close and close[0] not in key:
        raise LoadError(f"{label} {key!r} is not one Newsdesk reads; did you mean {close[0]!r}?")
    return None


def article_fields(
    pairs: Iterable[tuple[str, object]], label: str, known_too: tuple[str, ...] = ()
) -> dict[str, tuple[str, object]]:
    """The fields lower-case ``(key, value)`` pairs set, each with the key that set it, for messages.
    A field's own key wins over another tool's name for it ("published_at" over "date"), wherever
    it stands; ``article_field`` says what the rest mean."""
    own: dict[str, tuple[str, object]] = {}
    aliased: dict[str, tuple[str, object]] = {}
    for key, value in pairs:
        name = article_field(key, label, known_too)
        if name:
            (own if name == key else aliased).setdefault(name, (key, value))
    return {**aliased, **own}


def article_from_record(record: object, default_id: str, path: str, default_source: str = "") -> Article:
    """Validate one JSON article object: ``title``, ``body`` (or a ``BODY_KEYS`` alias), optional
    metadata under its own name or another tool's, keys in any case (RSS writes "pubDate").
    ``default_source`` is the outlet of an article that names none (its feed's title)."""
    if not isinstance(record, dict):
        raise LoadError(f"expected an article object, got {json_kind(record)}")
    record = {key.lower(): value for key, value in record.items()}
    for key in ("author", "authors"):  # JSON Feed's people are objects: [{"name": "Ann Lee"}]
        if isinstance(record.get(key), (dict, list)):
            record[key] = json_ld_name(record[key])
    body_key = next((key for key in BODY_KEYS if key in record), "body")
    body = record.get(body_key)
    if body is not None and not isinstance(body, str):
        raise LoadError(f"'{body_key}' must be a string, got {json_kind(body)}")
    if not body or not body.strip():
        raise LoadError(f"missing 'body' (or {', '.join(map(repr, BODY_KEYS[1:]))}): an article needs non-empty text")
    text = normalise_text(html_text(body) if body_key in HTML_BODY_KEYS else body)
    if not text:
        raise LoadError(f"'{body_key}' has no readable text")
    fields = article_fields(((k, v) for k, v in record.items() if k not in BODY_KEYS), "key", BODY_KEYS)
    for key, value in fields.values():
        if value is not None and not isinstance(value, str):
            raise LoadError(f"'{key}' must be a string, got {json_kind(value)}")
    values = {name: _single_line(value) for name, (_, value) in fields.items()}
    url = values.get("url", "")
    return Article(
        doc_id=url or default_id,
        title=values.get("title") or text.split("\n", 1)[0][:120],
        text=text,
        url=url,
        source=values.get("source") or default_source,
        author=values.get("author", ""),
        published_at=published_date(values.get("published_at", "")),
        category=values.get("category", ""),
        path=path,
    )


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def json_reason(exc: json.JSONDecodeError) -> str:
    """The decoder's reason without its dangling "at" ("Invalid control character at"): the caller
    gives the position."""
    return exc.msg.removesuffix(" at")


def unquoted(value: str) -> str:
    """A front-matter value without one pair of matching surrounding quotes, as YAML writes
    ``'Drought hits'`` or ``"2024-04-02"``; a lone or unmatched quote is the value's own."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def front_matter(block: str) -> dict[str, str]:
    """The article fields a front-matter block of ``key: value`` lines sets."""
    pairs = []
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            pairs.append((key.strip().lower(), unquoted(value.strip())))
    return {name: value for name, (_, value) in article_fields(pairs, "front matter key").items()}


def load_text(text: str, doc_id: str, path: str, markdown: bool) -> Article:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if not match and text.startswith("---\n"):
        raise LoadError("the front matter opened by '---' on line 1 has no closing '---' line")
    if match:
        meta = front_matter(match.group(1))
        text = text[match.end() :]
    text = normalise_text(text)
    if not text:
        raise LoadError("file is empty")
    if meta.get("title"):  # the front matter names the headline: everything after it is the body
        headline, body = meta["title"], text
    else:
        headline, _, body = text.partition("\n")
        if markdown:
            headline = headline.lstrip("#").strip()
    record = {"title": headline, "body": body, **{k: meta[k] for k in METADATA_FIELDS if k in meta}}
    if not body.strip():
        raise LoadError("no article body after the headline line")
    return article_from_record(record, doc_id, path)


class _HTMLText(HTMLParser):
    """Collects headline candidates, metadata and visible text, with paragraph breaks at block elements.

    Browser-saved pages wrap the story in the site's header, menus, cookie banners and related
    links: text inside ``SKIP`` elements is dropped, and each outermost ``<article>`` is kept apart
    as well, for ``load_html`` to take the story from.
    """

    SKIP = {"script", "style", "noscript", "iframe", "template", "svg", "nav", "footer", "aside", "form", "button", "object"}
    # Elements without content or end tag: they open nothing, so they must not start a skipped stretch.
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
    BLOCK = {"p", "div", "br", "hr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "main",
             "blockquote", "tr", "header", "figcaption", "pre", "ul", "ol", "table"}
    META = {
        "og:title": "title", "og:url": "url", "og:site_name": "source", "author": "author",
        "article:published_time": "published_at", "article:section": "category",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # the open elements that matter here: (tag, inside a skipped element, inside an article)
        self.open: list[tuple[str, bool, bool]] = []
        self.parts: list[str] = []
        self.articles: list[list[str]] = []
        self.title_parts: list[str] = []
        self.in_title = False
        self.meta: dict[str, str] = {}
        self.linked_data: list[str] = []
        self.json_ld: list[str] | None = None  # the text of the JSON-LD script being read
        self.h1: list[str] = []
        self.h1_seen = 0
        self.in_h1 = False

    @property
    def skipping(self) -> bool:
        return self.open[-1][1] if self.open else False

    @property
    def in_article(self) -> bool:
        return self.open[-1][2] if self.open else False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key in self.META and values.get("content"):
                self.meta.setdefault(self.META[key], values["content"] or "")
        if tag in self.BLOCK and not self.skipping:
            self.emit("\n\n")
        if tag in self.VOID:
            return
        if tag == "script" and (values.get("type") or "").lower() == "application/ld+json":
            self.json_ld = []
        if tag == "title" and not self.skipping:  # an <svg>'s <title> names an icon, not the page
            self.in_title = True
        if tag == "h1" and not self.skipping:
            self.h1_seen += 1
            self.in_h1 = True
        if tag == "article" and not self.skipping and not self.in_article:
            self.articles.append([])
        if tag in self.SKIP or tag in ("header", "article"):
            # a site's <header> is chrome; an article's own holds its headline and byline
            skip = self.skipping or tag in self.SKIP or (tag == "header" and not self.in_article)
            self.open.append((tag, skip, self.in_article or (tag == "article" and not skip)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.json_ld is not None:
            self.linked_data.append("".join(self.json_ld))
            self.json_ld = None
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        tags = [entry[0] for entry in self.open]
        if tag in tags:  # closes what was left open inside it too, as a browser does
            del self.open[len(tags) - 1 - tags[::-1].index(tag) :]
        if tag in self.BLOCK and not self.skipping:
            self.emit("\n\n")

    def handle_data(self, data: str) -> None:
        if self.json_ld is not None:
            self.json_ld.append(data)
        elif self.in_title:
            self.title_parts.append(data)
        elif not self.skipping:
            self.emit(data)
            if self.in_h1 and self.h1_seen == 1:
                self.h1.append(data)

    def emit(self, text: str) -> None:
        """Visible text, for the page and for the article it stands in."""
        self.parts.append(text)
        if self.in_article:
            self.articles[-1].append(text)


# schema.org types whose JSON-LD describes the page's article (a tuple: an "@type" may be any JSON)
ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting")


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def json_ld_article(scripts: list[str]) -> dict:
    """The first article object in a page's JSON-LD scripts: one object, a list of them, or the
    members of an ``@graph``; an empty dict when there is none or the JSON is broken (it is only
    metadata: the page's text still loads)."""
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        items = _as_list(data)
        graph = [node for item in items if isinstance(item, dict) for node in _as_list(item.get("@graph"))]
        for item in items + graph:
            if isinstance(item, dict) and any(kind in ARTICLE_TYPES for kind in _as_list(item.get("@type"))):
                return item
    return {}


def json_ld_name(value: object) -> str:
    """A publisher or author as text: a name, an object's ``name``, or a list of them joined."""
    names = []
    for item in _as_list(value):
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return ", ".join(names)


def json_ld_fields(article: dict) -> dict[str, str]:
    """The article fields a JSON-LD article object gives (headline, datePublished, publisher, author, url)."""
    fields = {
        "title": article.get("headline"), "published_at": article.get("datePublished"), "url": article.get("url"),
        "source": json_ld_name(article.get("publisher")), "author": json_ld_name(article.get("author")),
    }
    return {name: value for name, value in fields.items() if isinstance(value, str) and value.strip()}


def load_html(html: str, doc_id: str, path: str) -> Article:
    """One article from a page. The headline is ``og:title``, else the JSON-LD headline, the first
    ``<h1>``, the ``<title>`` (last, as it often ends in the site's name); meta tags win over JSON-LD
    for the other fields. The body is the longest ``<article>`` (a page may hold teasers as articles
    too), or the page's text when it has none."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    fields = {**json_ld_fields(json_ld_article(parser.linked_data)), **parser.meta}
    articles = [normalise_text("".join(parts)) for parts in parser.articles]
    body = max(articles, key=len, default="") or normalise_text("".join(parser.parts))
    headlines = [fields.pop("title", ""), "".join(parser.h1), "".join(parser.title_parts)]
    title = next((headline for headline in map(_single_line, headlines) if headline), "")
    # The headline usually opens the body too; keep it out of the stored text.
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()
    record = {"title": title or None, "body": body, **fields}
    if not body:
        raise LoadError("no readable text in the HTML")
    return article_from_record(record, doc_id, path)


def html_text(fragment: str) -> str:
    """The readable text of an HTML fragment (a feed item's ``content_html``), scripts and styles left out."""
    parser = _HTMLText()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def _iter_jsonl(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def load_file(file: Path, root: Path) -> Loaded:
    """Load one file; never raises for bad content, the reasons are in ``failures``."""
    relative = file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name
    shown = str(file)  # as the user gave it, for messages
    loaded = Loaded(path=file)
    try:
        if symlink_loop(file):
            raise LoadError("symlink loop")
        stored = str(file.resolve())  # as the manifest keeps it: the same file whatever folder or cwd it came by
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(f"file is {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit; split it")
        raw = file.read_bytes()
        if not raw.strip():
            raise LoadError("file is empty")
        suffix = file.suffix.lower()
        text = decode(raw, declared_charset(raw) if suffix in HTML_SUFFIXES else None)
        if suffix in TEXT_SUFFIXES:
            loaded.articles.append(load_text(text, relative, stored, markdown=suffix != ".txt"))
        elif suffix in HTML_SUFFIXES:
            loaded.articles.append(load_html(text, relative, stored))
        elif suffix in JSON_SUFFIXES:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise LoadError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {json_reason(exc)}") from None
            except RecursionError:
                raise LoadError("JSON is nested too deeply") from None
            if data == []:
                raise LoadError("the JSON list holds no articles")
            feed = feed_items(data)
            where, outlet = (f" {feed.where}", feed.title) if feed else ("", "")
            if feed:
                data = feed.items
            # a list's articles are "#0", "#1", ... even when it holds one, so its ids stay put as it grows
            listed = isinstance(data, list)
            for index, record in enumerate(data if listed else [data]):
                record_id = f"{relative}#{index}" if listed else relative
                try:
                    loaded.articles.append(article_from_record(record, record_id, stored, outlet))
                except LoadError as exc:
                    loaded.failures.append(Failure(f"{shown}{where} item {index}" if listed else shown, str(exc)))
        else:
            for number, line in _iter_jsonl(text):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    loaded.failures.append(Failure(f"{shown}:{number}", f"invalid JSON: {json_reason(exc)} (column {exc.colno})"))
                    continue
                except RecursionError:
                    loaded.failures.append(Failure(f"{shown}:{number}", "JSON is nested too deeply"))
                    continue
                try:
                    loaded.articles.append(article_from_record(record, f"{relative}#{number}", stored))
                except LoadError as exc:
                    loaded.failures.append(Failure(f"{shown}:{number}", str(exc)))
            if not loaded.articles and not loaded.failures:
                raise LoadError("file is empty")
    except LoadError as exc:
        loaded.failures.append(Failure(shown, str(exc)))
    except OSError as exc:
        loaded.failures.append(Failure(shown, f"cannot read: {exc.strerror or exc}"))
    return loaded
