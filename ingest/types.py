"""The archive's data: articles as loaded, their chunks, passages as retrieval returns them, and
the filters retrieval takes. The answering layer adds citations and answers (``assistant.types``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """One news article as loaded from a file, before chunking.

    ``text`` is the stored article body; every offset elsewhere refers to it.
    """

    doc_id: str
    title: str
    text: str
    source: str = ""
    published_at: str = ""
    url: str = ""
    author: str = ""
    category: str = ""
    path: str = ""

    def metadata(self) -> dict[str, str]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "source": self.source,
            "published_at": self.published_at,
            "url": self.url,
            "author": self.author,
            "category": self.category,
            "path": self.path,
        }


@dataclass(frozen=True)
class Chunk:
    """A span of an article: ``article.text[start:end] == text``."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int


@dataclass
class Passage:
    """A retrieved chunk with the metadata of its article.

    ``field`` is "text" for a chunk of the article body (offsets into ``Article.text``) or "title"
    for the headline taken as a passage of its own (offsets into ``Article.title``; see
    ``assistant.cite.headline_passage``).
    """

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    score: float
    title: str = ""
    source: str = ""
    published_at: str = ""
    url: str = ""
    path: str = ""
    field: str = "text"


@dataclass(frozen=True)
class Filters:
    """Restrictions on what retrieval may return; empty means the whole archive."""

    sources: tuple[str, ...] = ()
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive

    def is_empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None

    def describe(self) -> str:
        """"TechCrunch, The Verge; from 2023-10-01; until 2023-10-31" ("" when empty)."""
        parts = [", ".join(self.sources)] if self.sources else []
        if self.since:
            parts.append(f"from {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        return "; ".join(parts)
