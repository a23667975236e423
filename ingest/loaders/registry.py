"""The format registry: which loader reads which file suffix (and which HTTP content type).

Each format family is one module of this package that registers its loader on import::

    @register("csv", suffixes=(".csv", ".tsv"), content_types=("text/csv",))
    def load_csv(source: Source) -> Iterator[Article | Failure]:
        for number, row in rows(source.text()):
            ...

A loader gets the ``Source`` (``ingest.loaders.files``) and reads it in the form it needs: decoded
text within the size cap (``source.text()``), bytes (``source.read_bytes()``), or ``source.path``
when it streams. It yields the articles it reads and a ``Failure`` for each record that fails,
and raises ``LoadError`` when the whole input fails. ``load_file`` dispatches through the
registry; ``find_files`` and the upload page accept the suffixes in ``SUPPORTED_SUFFIXES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.loaders.results import Failure
from ingest.types import Article

if TYPE_CHECKING:
    from ingest.loaders.files import Source

LoadFunction = Callable[["Source"], Iterable["Article | Failure"]]


@dataclass(frozen=True)
class Format:
    """One input format family: its name, the suffixes and content types it reads, its loader."""

    name: str
    suffixes: tuple[str, ...]
    load: LoadFunction
    content_types: tuple[str, ...] = ()


def media_type(content_type: str) -> str:
    """A content type without its parameters, in lower case: "text/html; charset=utf-8" -> "text/html"."""
    return content_type.partition(";")[0].strip().lower()


class Registry:
    """Formats by name, suffix and content type. A suffix or content type belongs to one format:
    claiming one already taken is a ``ValueError`` unless the new format says it ``replace``s."""

    def __init__(self) -> None:
        self.formats: dict[str, Format] = {}
        self.suffixes: set[str] = set()  # kept up to date in place: SUPPORTED_SUFFIXES is this set
        self._by_suffix: dict[str, Format] = {}
        self._by_content_type: dict[str, Format] = {}

    def add(self, fmt: Format, replace: bool = False) -> Format:
        bad = [suffix for suffix in fmt.suffixes if not suffix.startswith(".") or suffix != suffix.lower()]
        if bad or not fmt.suffixes:
            raise ValueError(f"format {fmt.name!r}: suffixes must be lower case and start with '.', got {fmt.suffixes!r}")
        content_types = tuple(map(media_type, fmt.content_types))
        taken = [key for key in fmt.suffixes if key in self._by_suffix]
        taken += [key for key in content_types if key in self._by_content_type]
        if not replace and (fmt.name in self.formats or taken):
            raise ValueError(f"format {fmt.name!r}: {', '.join(taken) or 'its name'} already registered")
        self.formats[fmt.name] = fmt
        for suffix in fmt.suffixes:
            self._by_suffix[suffix] = fmt
        for content_type in content_types:
            self._by_content_type[content_type] = fmt
        self.suffixes.update(fmt.suffixes)
        return fmt

    def remove(self, name: str) -> None:
        """Take a format out: its suffixes and content types are no longer read (unless another
        format claims them too)."""
        self.formats.pop(name)
        for table in (self._by_suffix, self._by_content_type):
            for key in [key for key, fmt in table.items() if fmt.name == name]:
                del table[key]
        self.suffixes.intersection_update(self._by_suffix)

    def for_suffix(self, suffix: str) -> Format | None:
        """The format that reads files ending in ``suffix`` (any case), or None."""
        return self._by_suffix.get(suffix.lower())

    def for_content_type(self, content_type: str) -> Format | None:
        """The format that reads a response of ``content_type`` (parameters ignored), or None."""
        return self._by_content_type.get(media_type(content_type))


REGISTRY = Registry()
SUPPORTED_SUFFIXES = REGISTRY.suffixes


def register(
    name: str, suffixes: Iterable[str], content_types: Iterable[str] = (), *, replace: bool = False
) -> Callable[[LoadFunction], LoadFunction]:
    """Decorator: register the decorated function as the loader of ``name``'s suffixes and content types."""

    def decorate(load: LoadFunction) -> LoadFunction:
        REGISTRY.add(Format(name, tuple(suffixes), load, tuple(content_types)), replace=replace)
        return load

    return decorate


def format_for(suffix: str) -> Format | None:
    """The registered format for a file suffix (any case), or None."""
    return REGISTRY.for_suffix(suffix)


def format_for_content_type(content_type: str) -> Format | None:
    """The registered format for an HTTP content type, or None."""
    return REGISTRY.for_content_type(content_type)
