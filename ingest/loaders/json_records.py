"""JSON and JSON Lines: ``.json`` holds one article object, a list of them, or a feed saved as JSON
(JSON Feed's items, RSS's rss.channel.item, Atom's feed.entry, an API's list of articles), whose
title is the outlet of items that name none; ``.jsonl``/``.ndjson`` hold one article object a line.
A bad record or line is reported by its index or line number; the good ones are kept."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from ingest.loaders.decoding import single_line
from ingest.loaders.fields import BODY_KEYS, article_from_record
from ingest.loaders.files import MAX_FILE_BYTES, Source
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


def load_record(source: Source, record: object, record_id: str, where: str, outlet: str = "") -> Article | Failure:
    try:
        return article_from_record(record, record_id, source.stored, outlet, source.field_map)
    except LoadError as exc:
        return Failure(where, str(exc))


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
CHUNK_CHARS = 1 << 20


class ListReader:
    """The items of a JSON list read from a text stream a piece at a time, so that a list of any
    size takes the memory of one item (up to ``MAX_FILE_BYTES``). A break in the JSON ends the
    list: the items before it are read, and the reason names the line and column of the break."""

    def __init__(self, stream: TextIO, start: str, chunk: int = CHUNK_CHARS):
        self.stream, self.buffer, self.pos, self.eof, self.chunk = stream, start, 0, False, chunk
        self.lines_before = 0  # newlines in the text already dropped from the buffer
        self.column_before = 0  # characters after the last of them

    def more(self) -> None:
        """Drop what is read, then read at least as much again as the buffer still holds."""
        done = self.buffer[: self.pos]
        newlines = done.count("\n")
        self.lines_before += newlines
        self.column_before = len(done) - done.rfind("\n") - 1 if newlines else self.column_before + len(done)
        self.buffer = self.buffer[self.pos :]
        self.pos = 0
        piece = self.stream.read(max(self.chunk, len(self.buffer)))
        self.eof = not piece
        self.buffer += piece

    def where(self, pos: int) -> str:
        line = self.buffer.count("\n", 0, pos)
        column = pos - self.buffer.rfind("\n", 0, pos) if line else self.column_before + pos + 1
        return f"line {self.lines_before + line + 1} column {column}"

    def next_char(self) -> str:
        """The next character that is not whitespace ("" at the end), left unread."""
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer) or self.eof:
                return self.buffer[self.pos : self.pos + 1]
            self.more()

    def items(self) -> Iterator[object]:
        decoder = json.JSONDecoder()
        self.next_char()
        self.pos += 1  # the "[" the caller saw
        if self.next_char() == "]":
            self.pos += 1
        else:
            while True:
                yield self.item(decoder)
                char = self.next_char()
                self.pos += 1
                if char == "]":
                    break
                if char != ",":
                    reason = "the list is not closed" if not char else "expected ',' or ']' after an item"
                    raise LoadError(f"invalid JSON at {self.where(self.pos - 1)}: {reason}")
                self.next_char()
        if self.next_char():
            raise LoadError(f"invalid JSON at {self.where(self.pos)}: Extra data after the list")

    def item(self, decoder: json.JSONDecoder) -> object:
        """The value at the read position; reads on while it runs past the buffer's end."""
        while True:
            try:
                value, end = decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof or len(self.buffer) - self.pos > MAX_FILE_BYTES:
                    over = f" (or an item over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit)" if not self.eof else ""
                    raise LoadError(f"invalid JSON at {self.where(exc.pos)}: {json_reason(exc)}{over}") from None
            except RecursionError:
                raise LoadError("JSON is nested too deeply") from None
            else:
                # a number that runs to the buffer's end ("12", "0.", "1e+") may go on in the next piece
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                if self.eof or not number or not _NUMBER_TAIL.fullmatch(self.buffer, end):
                    self.pos = end
                    return value
            self.more()


def json_start(stream: TextIO) -> str:
    """The stream's first text, read until it holds a character that is not whitespace (or ends)."""
    start = ""
    while piece := stream.read(4096):
        start += piece
        if piece.strip():
            break
    return start


@register("json", JSON_SUFFIXES, content_types=("application/json", "application/feed+json"))
def load_json(source: Source) -> Iterator[Article | Failure]:
    """The articles of a JSON file: a list (items "#0", "#1", ..., read a piece at a time: any size),
    one object or a feed's items (read whole, within ``MAX_FILE_BYTES``)."""
    with source.text_stream() as stream:
        start = json_start(stream)
        if not start.strip():
            raise LoadError("file is empty")
        if start.lstrip().startswith("["):
            read = 0
            for index, record in enumerate(ListReader(stream, start).items()):
                read += 1
                yield load_record(source, record, f"{source.doc_id}#{index}", f"{source.shown} item {index}")
            if not read:
                raise LoadError("the JSON list holds no articles")
            return
    size = source.size()
    if size > MAX_FILE_BYTES:
        raise LoadError(f"a JSON object of {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit: "
                        "a list of articles, or JSON Lines, is read at any size")
    yield from load_json_object(source)


def load_json_object(source: Source) -> Iterator[Article | Failure]:
    """One article object, or a feed's items ("#0", "#1", ...) with its title as their outlet."""
    try:
        data = json.loads(source.text())
    except json.JSONDecodeError as exc:
        raise LoadError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {json_reason(exc)}") from None
    except RecursionError:
        raise LoadError("JSON is nested too deeply") from None
    feed = feed_items(data)
    if not feed:
        yield load_record(source, data, source.doc_id, source.shown)
        return
    for index, record in enumerate(feed.items):
        yield load_record(source, record, f"{source.doc_id}#{index}", f"{source.shown} {feed.where} item {index}", feed.title)


@register("jsonl", JSONL_SUFFIXES, content_types=("application/x-ndjson", "application/jsonl"))
def load_jsonl(source: Source) -> Iterator[Article | Failure]:
    """The articles of a JSON Lines file, one object a line (ids "#<line number>"), read a line at a
    time: any size. Blank lines are skipped; a bad line is a failure of its own."""
    read_any = False
    for number, line in source.lines():
        where = f"{source.shown}:{number}"
        if isinstance(line, LoadError):
            read_any = True
            yield Failure(where, str(line))
            continue
        if not line.strip():
            continue
        read_any = True
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(where, f"invalid JSON: {json_reason(exc)} (column {exc.colno})")
            continue
        except RecursionError:
            yield Failure(where, "JSON is nested too deeply")
            continue
        yield load_record(source, record, f"{source.doc_id}#{number}", where)
    if not read_any:
        raise LoadError("file is empty")
