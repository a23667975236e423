"""An article from a record of fields: the field names Newsdesk reads and other tools' names for them
(``FIELD_ALIASES``, ``BODY_KEYS``), keys that look misspelt, and publication dates stored as ISO 8601
whichever way the record writes them. Front matter, JSON, feeds and pages all end here."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from email.utils import parsedate_to_datetime

from ingest.dates import DAY_PATTERNS, matched_day
from ingest.loaders.decoding import normalise_text, single_line
from ingest.loaders.markup import html_text, json_ld_name
from ingest.loaders.results import LoadError
from ingest.types import Article

METADATA_FIELDS = ("url", "source", "author", "published_at", "category")

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
    "section": "category", "date_published": "published_at", "authors": "author", "headline": "title",
}
# A JSON article's text is the first of these it has: RSS's "content" is the story, its
# "description" often only a summary; JSON Feed writes "content_text", "content_html", "summary".
BODY_KEYS = ("body", "text", "content", "content_text", "content_html", "description", "summary")
HTML_BODY_KEYS = frozenset({"content_html"})


ARTICLE_FIELDS = ("title", "body", *METADATA_FIELDS)


def parse_field_map(pairs: Iterable[str]) -> dict[str, str]:
    """``--map FIELD=COLUMN`` options as {field: lower-case column}: the key or column of an input's
    records that holds an article field under a name Newsdesk does not read ("body=story_text").
    A field may be named by another tool's name for it ("date=Released"). A ``ValueError`` says
    what is wrong with a bad one."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        name, sep, column = (part.strip() for part in pair.partition("="))
        name = FIELD_ALIASES.get(name.lower(), name.lower())
        if not sep or not name or not column:
            raise ValueError(f"--map {pair!r}: write it as FIELD=COLUMN, e.g. --map body=story_text")
        if name not in ARTICLE_FIELDS:
            raise ValueError(f"--map {pair!r}: {name!r} is not an article field (use {', '.join(ARTICLE_FIELDS)})")
        if name in mapping or column.lower() in mapping.values():
            raise ValueError(f"--map {pair!r}: {name if name in mapping else column!r} is mapped twice")
        mapping[name] = column.lower()
    return mapping


def mapped(record: dict[str, object], field_map: Mapping[str, str]) -> dict[str, object]:
    """A record (lower-case keys) with the keys ``--map`` names read as the fields they hold: where
    the record has the mapped key, the field's own key gives way, and the mapped key is not read
    under its own name as well."""
    present = {name: column for name, column in field_map.items() if column in record}
    if not present:
        return record
    renamed = {key: value for key, value in record.items() if key not in present and key not in present.values()}
    renamed.update((name, record[column]) for name, column in present.items())
    return renamed


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


def article_from_record(
    record: object, default_id: str, path: str, default_source: str = "", field_map: Mapping[str, str] | None = None
) -> Article:
    """Validate one JSON article object: ``title``, ``body`` (or a ``BODY_KEYS`` alias), optional
    metadata under its own name or another tool's, keys in any case (RSS writes "pubDate").
    ``default_source`` is the outlet of an article that names none (its feed's title);
    ``field_map`` (``--map``) names the keys that hold fields under other names."""
    if not isinstance(record, dict):
        raise LoadError(f"expected an article object, got {json_kind(record)}")
    record = mapped({key.lower(): value for key, value in record.items()}, field_map or {})
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
    values = {name: single_line(value) for name, (_, value) in fields.items()}
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
