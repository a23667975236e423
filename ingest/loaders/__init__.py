"""Turn files into articles: one loader per format family behind one registry, every failure a
one-line reason.

Formats: ``.txt``/``.md`` (``plain_text``), ``.html``/``.htm`` (``html_pages``), ``.json`` and
``.jsonl``/``.ndjson`` (``json_records``), RSS/Atom/RDF feeds (``feeds``), ``.csv``/``.tsv``
(``tables``). Each registers its suffixes, content types and load function with
``registry.register``; ``read_file``/``load_file`` (``files``) dispatch through the registry, and
``SUPPORTED_SUFFIXES`` is what the registered formats read; ``read_source`` reads any ``Source``
with a format chosen otherwise (an HTTP response, by its content type). A new format is one new module
that registers itself, imported below. Shared by all: ``decoding`` (bytes to text), ``fields`` (an
article from a record's fields, ``--map``, publication dates), ``markup`` (HTML parsing, JSON-LD),
``results``.
"""

from __future__ import annotations

# The format modules register their loaders on import; the registry's order is this order.
from ingest.loaders import plain_text, html_pages, json_records, feeds, tables  # noqa: F401  (isort: skip)
from ingest.loaders.decoding import decode, normalise_text
from ingest.loaders.fields import ARTICLE_FIELDS, article_from_record, parse_field_map, published_date
from ingest.loaders.files import MAX_FILE_BYTES, NOT_ARTICLES, Source, find_files, load_file, read_file, read_source
from ingest.loaders.registry import SUPPORTED_SUFFIXES, Format, format_for, format_for_content_type, register
from ingest.loaders.results import Failure, Loaded, LoadError

__all__ = [
    "ARTICLE_FIELDS", "MAX_FILE_BYTES", "NOT_ARTICLES", "SUPPORTED_SUFFIXES", "Failure", "Format", "LoadError", "Loaded",
    "Source", "article_from_record", "decode", "find_files", "format_for", "format_for_content_type", "load_file",
    "normalise_text", "parse_field_map", "published_date", "read_file", "read_source", "register",
]
