"""What loading gives: the articles of one input, the records that failed with a one-line reason,
and ``LoadError``, the reason a loader gives up on a file or a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.types import Article


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
