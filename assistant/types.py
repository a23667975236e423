"""What answering produces: numbered citations to exact spans of stored articles, and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.types import Passage


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
    # doc ids of the passages shown to a model that hold text addressed to it (assistant.injection)
    suspicious: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "answerer": self.answerer,
            "model": self.model,
            "citations": [c.as_json() for c in self.citations],
            "unmentioned": self.unmentioned,
            "suspicious_sources": self.suspicious_sources(),
            "passages": [
                {"doc_id": p.doc_id, "score": round(p.score, 6), "text": p.text} for p in self.passages
            ],
        }

    def suspicious_sources(self) -> list[dict[str, str]]:
        """Each suspicious source's doc id, headline and outlet."""
        first: dict[str, Passage] = {}
        for passage in self.passages:
            first.setdefault(passage.doc_id, passage)
        return [{"doc_id": doc_id, "title": first[doc_id].title if doc_id in first else "",
                 "source": first[doc_id].source if doc_id in first else ""} for doc_id in self.suspicious]
