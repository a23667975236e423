"""CSV and TSV (``.csv``, ``.tsv``): a header row naming the columns, then one article a row, read a
row at a time (any size; one cell may hold up to ``MAX_FILE_BYTES``). The usual column names are
recognised (title or headline; body, text, content or article; source, outlet or publisher;
published_at, date or published; url or link; author), in any case, with spaces or dashes for
underscores; ``--map field=column`` names others. The delimiter is the one the header row uses."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from ingest.loaders.fields import BODY_KEYS, article_field, article_from_record
from ingest.loaders.files import MAX_FILE_BYTES, Source
from ingest.loaders.registry import register
from ingest.loaders.results import Failure, LoadError
from ingest.types import Article

TABLE_SUFFIXES = (".csv", ".tsv")
DELIMITERS = ",\t;|"
# Column names that hold an article's text in exports, beyond those JSON articles use (``BODY_KEYS``).
TABLE_BODY_COLUMNS = ("article",)


def column_key(name: str) -> str:
    """A column name as it is matched: lower case, spaces and dashes as underscores ("Published At")."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def delimiter(header: str, suffix: str) -> str:
    """The delimiter the header row uses most (a comma, tab, semicolon or bar); a header of one
    column has none, and then the suffix says (a tab for ``.tsv``)."""
    counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else "\t" if suffix == ".tsv" else ","


def columns_read(header: list[str], source: Source) -> dict[int, str]:
    """Which columns are read, by index, as the record key each becomes. The text is one column:
    the one ``--map body=...`` names, else the first of ``BODY_KEYS`` and ``TABLE_BODY_COLUMNS`` the
    header has. Columns Newsdesk does not read are left out; one that looks like a misspelt field
    fails the file, as a JSON key does. ``--map`` applies to the tables that have its columns: one
    with none of them ignores it, one with some but not all fails, naming those it lacks."""
    keys = [column_key(name) for name in header]
    mapped = {column_key(column): name for name, column in source.field_map.items()}
    missing = [f"{name}={column}" for column, name in mapped.items() if column not in keys]
    if len(missing) == len(mapped):  # --map names none of this table's columns: it is for other files
        mapped = {}
    elif missing:  # some but not all: a misspelt column
        raise LoadError(f"--map {', '.join(missing)}: no such column (the columns are: {', '.join(header)})")
    field_map = {name: column for column, name in mapped.items()}
    texts = [key for key in (*BODY_KEYS, *TABLE_BODY_COLUMNS) if key in keys and key not in mapped]
    if "body" not in field_map and not texts:
        raise LoadError(f"no text column (the columns are: {', '.join(header)}); "
                        "name the one that holds the story with --map body=COLUMN")
    read: dict[int, str] = {}
    for index, key in enumerate(keys):
        if key in mapped:
            read[index] = mapped[key]
        elif key in field_map or key in BODY_KEYS or key in TABLE_BODY_COLUMNS:
            if "body" not in field_map and key == texts[0]:
                read[index] = "body" if key in TABLE_BODY_COLUMNS else key
        else:
            try:
                if article_field(key, "column", (*BODY_KEYS, *TABLE_BODY_COLUMNS)):
                    read[index] = key
            except LoadError as exc:
                raise LoadError(f"{exc} (rename the column, or --map a field to it)") from None
    return read


def text_lines(source: Source) -> Iterator[str]:
    """The source's lines for the CSV reader; an undecodable or oversized line fails the file there."""
    for number, line in source.lines():
        if isinstance(line, LoadError):
            raise LoadError(f"line {number}: {line}")
        yield line


@register("csv", TABLE_SUFFIXES, content_types=("text/csv", "text/tab-separated-values"))
def load_table(source: Source) -> Iterator[Article | Failure]:
    """One article a row (ids "#<row>", the header being row 1, as a spreadsheet counts); a row that
    fails is reported by its number, the others are kept."""
    csv.field_size_limit(MAX_FILE_BYTES)
    lines = text_lines(source)
    number = 0  # the row read last, as a spreadsheet counts
    for number, header_line in enumerate(lines, start=1):
        if header_line.strip():
            break
    else:
        raise LoadError("file is empty")
    sep = delimiter(header_line, source.suffix)
    header = next(csv.reader([header_line], delimiter=sep))
    read = columns_read(header, source)
    text_column = next(index for index, key in read.items() if key in BODY_KEYS)
    rows = 0
    try:
        for row in csv.reader(lines, delimiter=sep):
            number += 1
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            where = f"{source.shown} row {number}"
            if len(row) > len(header):
                yield Failure(where, f"{len(row)} cells under a header of {len(header)} columns (a {sep!r} in a cell "
                                     "that is not in quotes?)")
                continue
            if text_column >= len(row) or not row[text_column].strip():
                yield Failure(where, f"no text in the {header[text_column].strip()!r} column")
                continue
            record = {key: row[index] for index, key in read.items() if index < len(row)}
            try:
                yield article_from_record(record, f"{source.doc_id}#{number}", source.stored)
            except LoadError as exc:
                yield Failure(where, str(exc))
    except csv.Error as exc:
        raise LoadError(f"row {number + 1}: {exc}") from None
    if not rows:
        raise LoadError("no rows after the header row")
