"""Files in, articles out: finding article files in folders (hidden files, project notes and
symlink loops left out), the ``Source`` a loader reads, the size cap,
and ``read_file``/``load_file``, which hand each file to the loader its suffix is registered to and
turn every failure into a one-line reason (``read_source`` does the same for any ``Source``)."""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ingest.loaders.decoding import decode, stream_encoding
from ingest.loaders.registry import SUPPORTED_SUFFIXES, Format, format_for
from ingest.loaders.results import Failure, Loaded, LoadError

if TYPE_CHECKING:
    from ingest.types import Article

# What a loader reads whole (a page, a feed, a JSON object) and, for the formats read a record at a
# time (JSON Lines, a JSON list, CSV), the most one record may hold: they read files of any size.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Folder walks skip a project's own notes (README.md, LICENSE, NOTICE.txt), named exactly so: an
# article may well be "notice-of-strike.txt". Name such a file explicitly to ingest it.
NOT_ARTICLES = {"readme", "license", "licence", "changelog", "notice", "attribution"}


def symlink_loop(path: Path) -> bool:
    """Whether following ``path``'s links leads back round to it (``a -> b -> a``): such a path is
    neither a file nor missing, and ``Path.resolve`` raises on it."""
    try:
        path.stat()
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def unsupported(path: Path) -> str:
    """The reason a file of a suffix no format reads is refused."""
    return f"unsupported file type '{path.suffix or '(none)'}' (use {', '.join(sorted(SUPPORTED_SUFFIXES))})"


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
                failures.append(Failure(str(given), unsupported(given)))
        elif given.exists():
            failures.append(Failure(str(given), "not a regular file or folder"))
        elif symlink_loop(given):
            failures.append(Failure(str(given), "symlink loop"))
        else:
            failures.append(Failure(str(given), "no such file or folder"))
    return found, failures


@dataclass(frozen=True)
class Source:
    """One input as a loader sees it: a file (an HTTP response is saved to one first, ``ingest.web``).
    A loader reads it in the form it needs: ``text()`` (decoded, within ``MAX_FILE_BYTES``),
    ``read_bytes()``, or a record at a time when it streams (``lines()``, ``text_stream()``), which
    sets no limit on the whole."""

    path: Path
    doc_id: str  # its article's id, relative to the folder given; a file of records adds "#n"
    stored: str  # the resolved path (or the URL), as the manifest keeps it
    shown: str  # the path as the user gave it (or the URL), for messages
    # ``--map``: article field -> the (lower-case) key or column that holds it in this input's records
    field_map: Mapping[str, str] = field(default_factory=dict)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def size(self) -> int:
        return self.path.stat().st_size

    def open(self) -> BinaryIO:
        """The bytes as a stream, from the start."""
        return self.path.open("rb")

    def read_bytes(self) -> bytes:
        """All the bytes; a ``LoadError`` when they are over ``MAX_FILE_BYTES`` or only whitespace."""
        size = self.size()
        if size > MAX_FILE_BYTES:
            raise LoadError(f"file is {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit; split it")
        raw = self.path.read_bytes()
        if not raw.strip():
            raise LoadError("file is empty")
        return raw

    def text(self, charset: Callable[[bytes], str | None] | None = None) -> str:
        """The input as text (``decode``); ``charset`` finds the encoding the content itself declares."""
        raw = self.read_bytes()
        return decode(raw, charset(raw) if charset else None)

    def _opened(self) -> tuple[BinaryIO, str]:
        stream = self.open()
        head = stream.read(8192)
        stream.seek(0)
        try:
            return stream, stream_encoding(head)
        except LoadError:
            stream.close()
            raise

    def text_stream(self) -> io.TextIOWrapper:
        """The input as a text stream (UTF-8, or UTF-16 with a BOM), read as far as it is read."""
        stream, encoding = self._opened()
        return io.TextIOWrapper(stream, encoding=encoding, newline="")

    def lines(self) -> Iterator[tuple[int, str | LoadError]]:
        """The input's lines, each with its line end and its number (from 1), read one at a time: memory
        stays flat whatever the size. A line that is not valid UTF-8 or is over ``MAX_FILE_BYTES`` comes
        as a ``LoadError`` in its place, and the lines after it still come."""
        stream, encoding = self._opened()
        reader = io.TextIOWrapper(stream, encoding=encoding, newline="\n") if encoding == "utf-16" else stream
        with reader:
            number = 0
            while line := reader.readline(MAX_FILE_BYTES + 1):
                number += 1
                end = "\n" if isinstance(line, str) else b"\n"
                if len(line) > MAX_FILE_BYTES and not line.endswith(end):
                    while (rest := reader.readline(MAX_FILE_BYTES)) and not rest.endswith(end):
                        pass
                    yield number, LoadError(f"line is over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit for one record")
                elif isinstance(line, str):
                    yield number, line
                else:
                    try:
                        yield number, line.decode("utf-8-sig" if number == 1 else "utf-8")
                    except UnicodeDecodeError as exc:
                        yield number, LoadError(f"not valid UTF-8 (column {exc.start + 1}); save the file as UTF-8")


def read_source(fmt: Format, source: Source) -> Iterator[Article | Failure]:
    """The articles ``fmt`` reads from ``source``, and a ``Failure`` for each record that fails, one at
    a time (memory stays flat for the formats that stream). Never raises for bad content: when the
    whole input fails, its one-line reason comes last, naming the input."""
    try:
        yield from fmt.load(source)
    except LoadError as exc:
        yield Failure(source.shown, str(exc))
    except UnicodeDecodeError as exc:  # a streamed text that stops being UTF-8 (or UTF-16) part way
        yield Failure(source.shown, f"not valid {exc.encoding.upper().removesuffix('-SIG')}; save the file as UTF-8")
    except OSError as exc:
        yield Failure(source.shown, f"cannot read: {exc.strerror or exc}")


def read_file(file: Path, root: Path, field_map: Mapping[str, str] | None = None) -> Iterator[Article | Failure]:
    """``read_source`` for a file, with the loader registered for its suffix; ``field_map`` is ``--map``'s."""
    shown = str(file)  # as the user gave it, for messages
    if symlink_loop(file):
        yield Failure(shown, "symlink loop")
        return
    fmt = format_for(file.suffix)
    if fmt is None:
        yield Failure(shown, unsupported(file))
        return
    try:
        stored = str(file.resolve())  # as the manifest keeps it: the same file whatever folder or cwd it came by
    except OSError as exc:
        yield Failure(shown, f"cannot read: {exc.strerror or exc}")
        return
    relative = file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name
    yield from read_source(fmt, Source(file, relative, stored, shown, field_map=field_map or {}))


def load_file(file: Path, root: Path, field_map: Mapping[str, str] | None = None) -> Loaded:
    """Load one file whole (``read_file``); never raises for bad content, the reasons are in ``failures``."""
    loaded = Loaded(path=file)
    for item in read_file(file, root, field_map):
        (loaded.failures if isinstance(item, Failure) else loaded.articles).append(item)
    return loaded
