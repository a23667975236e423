"""JSON and JSON Lines: ``.json`` holds one article object, a list of them, or a feed saved as JSON
(JSON Feed's items, RSS's rss.channel.item, Atom's feed.entry, an API's list of articles), whose
title is the outlet of items that name none; ``.jsonl``/``.ndjson`` hold one article object a line.
A bad record or line is reported by its index or line number; the good ones are kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.loaders.decoding import single_line
from ingest.loaders.fields import BODY_KEYS, article_from_record
from ingest.loaders.files import Source
from ingest.loaders.registry import register
from ingest.loaders.results import Failure, LoadError
from ingest.types import Article

JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
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
            return Feed(items, ".".join(path), single_line(title) if isinstance(title, str) else "")
    return None


def json_reason(exc: json.JSONDecodeError) -> str:
    """The decoder's reason without its dangling "at" ("Invalid control character at"): the caller
    gives the position."""
    return exc.msg.removesuffix(" at")


def _iter_jsonl(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


@register("json", JSON_SUFFIXES, content_types=("application/json", "application/feed+json"))
def load_json(source: Source) -> Iterator[Article | Failure]:
    """The articles of a JSON file: one object, a list (items "#0", "#1", ...) or a feed's items."""
    try:
        data = json.loads(source.text())
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
        record_id = f"{source.doc_id}#{index}" if listed else source.doc_id
        try:
            article = article_from_record(record, record_id, source.stored, outlet)
        except LoadError as exc:
            yield Failure(f"{source.shown}{where} item {index}" if listed else source.shown, str(exc))
        else:
            yield article


@register("jsonl", JSONL_SUFFIXES, content_types=("application/x-ndjson", "application/jsonl"))
def load_jsonl(source: Source) -> Iterator[Article | Failure]:
    """The articles of a JSON Lines file, one object a line (ids "#<line number>"); blank lines skipped."""
    read_any = False
    for number, line in _iter_jsonl(source.text()):
        read_any = True
        where = f"{source.shown}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(where, f"invalid JSON: {json_reason(exc)} (column {exc.colno})")
            continue
        except RecursionError:
            yield Failure(where, "JSON is nested too deeply")
            continue
        try:
            article = article_from_record(record, f"{source.doc_id}#{number}", source.stored)
        except LoadError as exc:
            yield Failure(where, str(exc))
        else:
            yield article
    if not read_any:
        raise LoadError("file is empty")
