"""Plain text and Markdown (``.txt``, ``.md``, ``.markdown``): the first non-empty line is the headline
(a Markdown heading's ``#`` taken off), and an optional ``---`` front matter block of ``key: value``
lines sets the title and metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.loaders.decoding import normalise_text
from ingest.loaders.fields import METADATA_FIELDS, article_fields, article_from_record
from ingest.loaders.files import Source
from ingest.loaders.registry import register
from ingest.loaders.results import LoadError
from ingest.types import Article

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


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


@register("text", TEXT_SUFFIXES, content_types=("text/plain", "text/markdown"))
def load_text_source(source: Source) -> Iterator[Article]:
    yield load_text(source.text(), source.doc_id, source.stored, markdown=source.suffix != ".txt")
