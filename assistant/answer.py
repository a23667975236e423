"""Answerers: turn a question and retrieved passages into a cited answer, or a refusal.

Every answerer has the same interface: ``answer(question, passages, history) -> Answer`` and
``stream(...)``, which yields text as it is produced and then the final ``Answer``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

import prompts
from assistant.cite import (
    attach_markers,
    lexical_support,
    make_citation,
    parse_markers,
    verify_and_cite,
)
from assistant.embedding import MiniLMEmbedding
from assistant.settings import Settings
from assistant.types import Answer, Passage
from ingest.chunking import split_sentences

History = Sequence[tuple[str, str]]  # (user message, assistant reply) pairs
REFUSAL_SIGNAL = "INSUFFICIENT_INFORMATION"


class AnswerError(RuntimeError):
    """The answerer could not produce an answer (for example, the LLM endpoint is down)."""


class Answerer(Protocol):
    name: str
    model: str

    def answer(self, question: str, passages: list[Passage], history: History = ()) -> Answer: ...

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]: ...


def refusal(question: str, answerer: str, model: str, passages: list[Passage]) -> Answer:
    return Answer(question, prompts.load("refusal"), True, answerer, model, [], passages)


class ExtractiveAnswerer:
    """Quotes the retrieved sentences that best answer the question, each with its citation.

    A sentence's score mixes its embedding similarity to the question with the share of the
    question's content words it contains; below ``min_support`` for every sentence, it refuses.
    """

    name = "extractive"
    model = "all-MiniLM-L6-v2 sentence ranking"
    SEMANTIC_WEIGHT = 0.6
    NEAR_BEST = 0.06

    def __init__(self, embedder: MiniLMEmbedding, min_support: float, max_sentences: int):
        self.embedder = embedder
        self.min_support = min_support
        self.max_sentences = max_sentences

    def score_sentences(self, question: str, passages: list[Passage]) -> list[tuple[float, Passage, int, int]]:
        spans = [(p, p.start + s, p.start + e) for p in passages for s, e in split_sentences(p.text)]
        texts = [p.text[s - p.start : e - p.start] for p, s, e in spans]
        if not texts:
            return []
        vectors = self.embedder.embed([question, *texts])
        similarity = vectors[1:] @ vectors[0]
        scored = []
        for (passage, start, end), text, cosine in zip(spans, texts, similarity):
            score = self.SEMANTIC_WEIGHT * float(cosine) + (1 - self.SEMANTIC_WEIGHT) * lexical_support(question, text)
            scored.append((score, passage, start, end))
        scored.sort(key=lambda item: -item[0])
        return scored

    def answer(self, question: str, passages: list[Passage], history: History = ()) -> Answer:
        scored = self.score_sentences(question, passages)
        if not scored or scored[0][0] < self.min_support:
            return refusal(question, self.name, self.model, passages)
        best = scored[0][0]
        chosen: list[tuple[Passage, int, int]] = []
        seen_text: set[str] = set()
        for score, passage, start, end in scored:
            text = passage.text[start - passage.start : end - passage.start]
            if score < best - self.NEAR_BEST or len(chosen) == self.max_sentences:
                break
            if text.lower() in seen_text:
                continue
            seen_text.add(text.lower())
            chosen.append((passage, start, end))
        citations = [make_citation(n, p, s, e) for n, (p, s, e) in enumerate(chosen, start=1)]
        text = " ".join(attach_markers(f"“{c.quote}”", [c.n]) for c in citations)
        return Answer(question, text, False, self.name, self.model, citations, passages)

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]:
        result = self.answer(question, passages, history)
        yield result.text
        yield result


def format_passages(passages: list[Passage]) -> str:
    """Numbered passages fenced as data; a closing tag inside article text cannot end the fence."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        body = re.sub(r"</?\s*passage", lambda m: m.group().replace("<", "&lt;"), p.text, flags=re.I)
        title = p.title.replace('"', "'")
        source = p.source.replace('"', "'")
        blocks.append(f'<passage n="{n}" title="{title}" source="{source}" date="{p.published_at[:10]}">\n{body}\n</passage>')
    return "\n\n".join(blocks)


class OpenAIAnswerer:
    """Any OpenAI-compatible chat endpoint through llama-index; citations verified afterwards."""

    name = "openai"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.model = settings.llm_model
        self.llm = build_llm(settings)

    def messages(self, question: str, passages: list[Passage]):
        from llama_index.core.llms import ChatMessage, MessageRole

        user = prompts.load("answer_with_citations").format(passages=format_passages(passages), question=question)
        return [
            ChatMessage(role=MessageRole.SYSTEM, content=prompts.load("system")),
            ChatMessage(role=MessageRole.USER, content=user),
        ]

    def finish(self, question: str, draft: str, passages: list[Passage]) -> Answer:
        if not passages or REFUSAL_SIGNAL in draft:
            return refusal(question, self.name, self.model, passages)
        verified = verify_and_cite(parse_markers(draft), passages, self.settings.min_support)
        if not verified.citations:
            return refusal(question, self.name, self.model, passages)
        return Answer(question, verified.text, False, self.name, self.model, verified.citations, passages)

    def answer(self, question: str, passages: list[Passage], history: History = ()) -> Answer:
        if not passages:
            return refusal(question, self.name, self.model, passages)
        try:
            draft = self.llm.chat(self.messages(question, passages)).message.content or ""
        except Exception as exc:
            raise AnswerError(describe_llm_error(exc, self.settings)) from None
        return self.finish(question, draft, passages)

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]:
        if not passages:
            yield refusal(question, self.name, self.model, passages)
            return
        draft = ""
        try:
            for chunk in self.llm.stream_chat(self.messages(question, passages)):
                delta = chunk.delta or ""
                draft += delta
                if delta:
                    yield delta
        except Exception as exc:
            raise AnswerError(describe_llm_error(exc, self.settings)) from None
        yield self.finish(question, draft, passages)


def describe_llm_error(exc: Exception, settings: Settings) -> str:
    """One readable line; never includes the API key."""
    where = settings.llm_base_url or "api.openai.com"
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if settings.llm_api_key is not None:
        message = message.replace(settings.llm_api_key.get_secret_value(), "***")
    return f"the language model at {where} failed: {message}"


def build_llm(settings: Settings):
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    common = dict(
        model=settings.llm_model,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
    )
    if settings.llm_base_url:
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            api_base=settings.llm_base_url,
            api_key=key or "not-needed",
            is_chat_model=True,
            context_window=settings.llm_context_window,
            **common,
        )
    from llama_index.llms.openai import OpenAI

    return OpenAI(api_key=key, **common)


def choose_answerer(settings: Settings, embedder: MiniLMEmbedding) -> Answerer:
    """An explicit setting wins; otherwise ``openai`` when an endpoint or key is configured."""
    name = settings.answerer
    if name == "auto":
        name = "openai" if settings.llm_configured() else "extractive"
    if name == "openai":
        return OpenAIAnswerer(settings)
    return ExtractiveAnswerer(embedder, settings.min_support, settings.max_answer_sentences)
