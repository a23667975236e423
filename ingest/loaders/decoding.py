"""Bytes to text: UTF-8 or UTF-16 with a BOM, the charset an HTML page declares, BOM-less UTF-16 and
binary data named as such; and the canonical form of stored text (``normalise_text``)."""

from __future__ import annotations

import codecs
import re

from ingest.loaders.results import LoadError

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


def stream_encoding(head: bytes) -> str:
    """The codec to read a streamed file in, from its first bytes: "utf-16" after a UTF-16 BOM,
    else "utf-8-sig"; a ``LoadError`` for PDFs and binary data, as ``decode`` gives."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"%PDF-"):
        raise LoadError("a PDF document, not text: PDFs are not supported; save its text as .txt")
    if b"\x00" in head[:8192]:
        if utf16_without_bom(head[:8192]):
            raise LoadError("UTF-16 without a byte-order mark; save the file as UTF-8 (or UTF-16 with a BOM)")
        raise LoadError("binary file, not text")
    return "utf-8-sig"


def decode(raw: bytes, declared: str | None = None) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM; refuses binary data, naming
    what it is when that is known. A page that declares another encoding (``declared``) is read in
    it when it is not valid UTF-8."""
    if stream_encoding(raw) == "utf-16":
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"not valid UTF-16 (byte {exc.start})") from None
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
    # the substitution only where it changes something: most lines have no run of spaces, and it is
    # most of the time spent loading a large file
    lines = [(_SPACES.sub(" ", line) if "  " in line or "\t" in line or "\u00a0" in line else line).strip()
             for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def single_line(value: object) -> str:
    """A field's value as one line of normalised text; "" for None."""
    return normalise_text(str(value)).replace("\n", " ") if value is not None else ""
