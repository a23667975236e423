"""Files in, articles out: finding article files in folders (hidden files, project notes and
symlink loops left out), the size cap, and ``load_file``, which hands each file to the loader
its suffix is registered to and turns every failure into a one-line reason."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders.decoding import decode
from ingest.loaders.registry import SUPPORTED_SUFFIXES, format_for
from ingest.loaders.results import Failure, Loaded, LoadError

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
    """One input as a loader sees it. A loader reads it in the form it needs: ``text()`` (decoded),
    ``read_bytes()``, or ``path`` itself when it streams (and so sets its own limits)."""

    path: Path
    doc_id: str  # its article's id, relative to the folder given; a file of records adds "#n"
    stored: str  # the resolved path, as the manifest keeps it
    shown: str  # the path as the user gave it, for messages

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def read_bytes(self) -> bytes:
        """The file's bytes; a ``LoadError`` when it is over ``MAX_FILE_BYTES`` or holds only whitespace."""
        size = self.path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(f"file is {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit; split it")
        raw = self.path.read_bytes()
        if not raw.strip():
            raise LoadError("file is empty")
        return raw

    def text(self, charset: Callable[[bytes], str | None] | None = None) -> str:
        """The file as text (``decode``); ``charset`` finds the encoding the content itself declares."""
        raw = self.read_bytes()
        return decode(raw, charset(raw) if charset else None)


def load_file(file: Path, root: Path) -> Loaded:
    """Load one file with the loader registered for its suffix; never raises for bad content, the
    reasons are in ``failures``."""
    relative = file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name
    shown = str(file)  # as the user gave it, for messages
    loaded = Loaded(path=file)
    try:
        if symlink_loop(file):
            raise LoadError("symlink loop")
        stored = str(file.resolve())  # as the manifest keeps it: the same file whatever folder or cwd it came by
        fmt = format_for(file.suffix)
        if fmt is None:
            raise LoadError(unsupported(file))
        for item in fmt.load(Source(file, relative, stored, shown)):
            (loaded.failures if isinstance(item, Failure) else loaded.articles).append(item)
    except LoadError as exc:
        loaded.failures.append(Failure(shown, str(exc)))
    except OSError as exc:
        loaded.failures.append(Failure(shown, f"cannot read: {exc.strerror or exc}"))
    return loaded
