"""The data that flows between ingest, retrieval, answering and the faces."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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


@dataclass
class Citation:
    """A numbered reference from the answer to an exact span of a stored article: of its body
    (``field`` "text") or of its headline ("title"), so ``getattr(article, field)[start:end] == quote``."""

    n: int
    doc_id: str
    title: str
    source: str
    published_at: str
    url: str
    quote: str
    start: int
    end: int
    path: str = ""
    field: str = "text"

    def as_json(self) -> dict[str, Any]:
        """``url`` is the article's link or null; ``path`` the file it was ingested from (or null), so
        a consumer never mistakes a local file, perhaps a whole JSONL of articles, for the article's link."""
        data = asdict(self)
        data["url"] = self.url or None
        data["path"] = self.path or None
        return data


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    answerer: str
    model: str = ""
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens / completion_tokens when an LLM answered
    unmentioned: list[str] = field(default_factory=list)  # names the question gives that no passage mentions

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "answerer": self.answerer,
            "model": self.model,
            "citations": [c.as_json() for c in self.citations],
            "unmentioned": self.unmentioned,
            "passages": [
                {"doc_id": p.doc_id, "score": round(p.score, 6), "text": p.text} for p in self.passages
            ],
        }


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
