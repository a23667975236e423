"""Turn files into articles: one loader per format, every failure a one-line reason.

Formats: ``.txt``/``.md`` (first non-empty line is the headline, an optional ``---`` front matter
block of ``key: value`` lines sets metadata), ``.html``/``.htm`` (title and main text; scripts,
styles and other non-content elements dropped), ``.json`` (one article object or a list of them)
and ``.jsonl`` (one article object a line; bad lines are reported by number, good ones kept).
"""

from __future__ import annotations

import codecs
import difflib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from assistant.types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024
# Folder walks skip a project's own notes; name such a file explicitly to ingest it.
NOT_ARTICLES = ("readme", "license", "licence", "changelog", "notice", "attribution")
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
                        and not name.lower().startswith(NOT_ARTICLES)
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


def decode(raw: bytes, declared: str | None = None) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM; refuses binary data. A page
    that declares another encoding (``declared``) is read in it when it is not valid UTF-8."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"not valid UTF-16 (byte {exc.start})") from None
    if b"\x00" in raw[:8192]:
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


def published_date(value: str) -> str:
    """A publication date as stored: ISO 8601 as given, an RFC 2822 date (RSS feeds) as ISO 8601.

    Anything else is a ``LoadError``: date filters and the archive's date span compare the
    stored ISO day, so "2024-13-45" or "last Tuesday" would be kept but never match.
    """
    if not value:
        return ""
    try:
        datetime.fromisoformat(value)
        return value
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        raise LoadError(f"'published_at' {value[:40]!r} is not a date: use YYYY-MM-DD or ISO 8601") from None


def json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words ("a list", "a number"), for messages."""
    if isinstance(value, bool):
        return "true/false"
    kinds = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return kinds.get(type(value), "null" if value is None else type(value).__name__)


def article_from_record(record: object, default_id: str, path: str) -> Article:
    """Validate one JSON article object (``title``, ``body`` or ``text``, optional metadata)."""
    if not isinstance(record, dict):
        raise LoadError(f"expected an article object, got {json_kind(record)}")
    key = "body" if "body" in record else "text"
    body = record.get(key)
    if body is not None and not isinstance(body, str):
        raise LoadError(f"'{key}' must be a string, got {json_kind(body)}")
    if not body or not body.strip():
        raise LoadError("missing 'body' (or 'text'): an article needs non-empty text")
    text = normalise_text(body)
    if not text:
        raise LoadError("'body' has no readable text")
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise LoadError(f"'title' must be a string, got {json_kind(title)}")
    for key in METADATA_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise LoadError(f"'{key}' must be a string, got {json_kind(value)}")
    url = _single_line(record.get("url"))
    return Article(
        doc_id=url or default_id,
        title=_single_line(title) or text.split("\n", 1)[0][:120],
        text=text,
        url=url,
        source=_single_line(record.get("source")),
        author=_single_line(record.get("author")),
        published_at=published_date(_single_line(record.get("published_at"))),
        category=_single_line(record.get("category")),
        path=path,
    )


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
# Front-matter keys other tools write for the fields Newsdesk reads (Jekyll and Hugo use "date").
FRONT_MATTER_ALIASES = {
    "date": "published_at", "published": "published_at", "pubdate": "published_at", "publishdate": "published_at",
    "link": "url", "permalink": "url", "outlet": "source", "publisher": "source", "byline": "author",
    "section": "category",
}


def json_reason(exc: json.JSONDecodeError) -> str:
    """The decoder's reason without its dangling "at" ("Invalid control character at"): the caller
    gives the position."""
    return exc.msg.removesuffix(" at")


def front_matter_field(key: str) -> str | None:
    """The article field a front-matter key sets; None for keys Newsdesk does not read ("tags",
    "layout"); a LoadError for a key that looks like a misspelt field ("sorce"), which would
    otherwise be dropped without a word."""
    if key == "title" or key in METADATA_FIELDS:
        return key
    if key in FRONT_MATTER_ALIASES:
        return FRONT_MATTER_ALIASES[key]
    known = ["title", *METADATA_FIELDS, *FRONT_MATTER_ALIASES]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    if close:
        raise LoadError(f"front matter key {key!r} is not one Newsdesk reads; did you mean {close[0]!r}?")
    return None


def load_text(text: str, doc_id: str, path: str, markdown: bool) -> Article:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta: dict[str, str] = {}
    aliased: dict[str, str] = {}  # fields set under another tool's key ("date"): the field's own key wins
    match = _FRONT_MATTER.match(text)
    if not match and text.startswith("---\n"):
        raise LoadError("the front matter opened by '---' on line 1 has no closing '---' line")
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            key = key.strip().lower()
            name = front_matter_field(key) if sep else None
            if name:
                (meta if name == key else aliased).setdefault(name, value.strip().strip('"'))
        text = text[match.end() :]
        meta = {**aliased, **meta}
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
    """Collects title, metadata and visible text, with paragraph breaks at block elements."""

    SKIP = {"script", "style", "noscript", "iframe", "template", "svg", "head", "nav", "footer", "form", "object", "embed"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "main",
             "blockquote", "tr", "header", "figcaption", "pre", "ul", "ol", "table"}
    META = {
        "og:title": "title", "og:url": "url", "og:site_name": "source", "author": "author",
        "article:published_time": "published_at", "article:section": "category",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.in_title = False
        self.meta: dict[str, str] = {}
        self.h1: list[str] = []
        self.in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = dict(attrs)
            key = (values.get("property") or values.get("name") or "").lower()
            if key in self.META and values.get("content"):
                self.meta.setdefault(self.META[key], values["content"] or "")
            return
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skip_depth += 1
        if tag == "h1":
            self.in_h1 = True
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag == "h1":
            self.in_h1 = False
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif self.skip_depth == 0:
            self.parts.append(data)
            if self.in_h1:
                self.h1.append(data)


def load_html(html: str, doc_id: str, path: str) -> Article:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    body = normalise_text("".join(parser.parts))
    title = normalise_text(" ".join(parser.title_parts)) or parser.meta.get("title") or normalise_text(" ".join(parser.h1))
    # The headline usually opens the body too; keep it out of the stored text.
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()
    record = {"title": title or None, "body": body, **{k: v for k, v in parser.meta.items() if k in METADATA_FIELDS}}
    if not body:
        raise LoadError("no readable text in the HTML")
    return article_from_record(record, doc_id, path)


def _iter_jsonl(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def load_file(file: Path, root: Path) -> Loaded:
    """Load one file; never raises for bad content, the reasons are in ``failures``."""
    relative = file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name
    shown = str(file)  # as the user gave it, for messages
    stored = str(file.resolve())  # as the manifest keeps it: the same file whatever folder or cwd it came by
    loaded = Loaded(path=file)
    try:
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
            # a list's articles are "#0", "#1", ... even when it holds one, so its ids stay put as it grows
            listed = isinstance(data, list)
            for index, record in enumerate(data if listed else [data]):
                record_id = f"{relative}#{index}" if listed else relative
                try:
                    loaded.articles.append(article_from_record(record, record_id, stored))
                except LoadError as exc:
                    loaded.failures.append(Failure(f"{shown} item {index}" if listed else shown, str(exc)))
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
