"""Answerers: turn a question and retrieved passages into a cited answer, or a refusal.

Every answerer has the same interface: ``answer(question, passages, history) -> Answer`` and
``stream(...)``, which yields text as it is produced and then the final ``Answer``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Protocol

import prompts
from assistant.cite import attach_markers, lexical_support, make_citation, parse_markers, verify_and_cite
from assistant.embedding import MiniLMEmbedding
from assistant.settings import Settings
from assistant.types import Answer, Passage
from ingest.chunking import split_sentences

History = Sequence[tuple[str, str]]  # (user message, assistant reply) pairs


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


def is_refusal_signal(draft: str) -> bool:
    """The model said the passages do not answer (the prompt asks for INSUFFICIENT_INFORMATION)."""
    return bool(re.search(r"insufficient[\s_]+information", draft, re.I))


def chat_messages(question: str, passages: list[Passage]) -> list[dict[str, str]]:
    """System prompt plus the answer prompt: numbered passages fenced as data, then the question."""
    user = prompts.load("answer_with_citations").format(passages=format_passages(passages), question=question)
    return [{"role": "system", "content": prompts.load("system")}, {"role": "user", "content": user}]


class GenerativeAnswerer(ABC):
    """Drafts an answer with a chat model, then keeps only what the passages support.

    Before the model is asked, retrieval that is too weak (no retrieved sentence reaches
    ``min_support``, the extractive answerer's measured refusal threshold) is a refusal. After
    it answers, every sentence is checked against its cited passages (``verify_and_cite``).
    Subclasses provide ``_chat`` and ``_stream_chat``.
    """

    name = "generative"
    model = ""

    def __init__(self, settings: Settings, embedder: MiniLMEmbedding):
        self.settings = settings
        self.gate = ExtractiveAnswerer(embedder, settings.min_support, settings.max_answer_sentences)

    @abstractmethod
    def _chat(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
        """The model's reply to chat messages, and its token usage."""

    @abstractmethod
    def _stream_chat(self, messages: list[dict[str, str]], usage: dict[str, int]) -> Iterator[str]:
        """The reply as text deltas; fills ``usage`` with what the model reports."""

    def complete(self, prompt: str) -> str:
        """A one-off completion (follow-up condensing); raises ``AnswerError`` when the model fails."""
        try:
            return self._chat([{"role": "user", "content": prompt}])[0]
        except AnswerError:
            raise
        except Exception as exc:
            raise AnswerError(self.describe_error(exc)) from None

    def describe_error(self, exc: Exception) -> str:
        return f"the {self.name} model failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"

    def too_weak(self, question: str, passages: list[Passage]) -> bool:
        scored = self.gate.score_sentences(question, passages)
        return not scored or scored[0][0] < self.settings.min_support

    def finish(self, question: str, draft: str, passages: list[Passage], usage: dict[str, int]) -> Answer:
        if is_refusal_signal(draft):
            result = refusal(question, self.name, self.model, passages)
        else:
            verified = verify_and_cite(parse_markers(draft), passages, self.settings.citation_min_support)
            if verified.citations:
                result = Answer(question, verified.text, False, self.name, self.model, verified.citations, passages)
            else:
                result = refusal(question, self.name, self.model, passages)
        result.usage = dict(usage)
        return result

    def answer(self, question: str, passages: list[Passage], history: History = ()) -> Answer:
        if not passages or self.too_weak(question, passages):
            return refusal(question, self.name, self.model, passages)
        try:
            draft, usage = self._chat(chat_messages(question, passages))
        except AnswerError:
            raise
        except Exception as exc:
            raise AnswerError(self.describe_error(exc)) from None
        return self.finish(question, draft, passages, usage)

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]:
        """Yields verified text as whole sentences arrive (never unchecked model text), then the Answer."""
        if not passages or self.too_weak(question, passages):
            yield refusal(question, self.name, self.model, passages)
            return
        draft, shown, complete_sentences, usage = "", "", 0, {}
        try:
            for delta in self._stream_chat(chat_messages(question, passages), usage):
                draft += delta
                sentences = parse_markers(draft)[:-1]  # the last one may still be growing
                if len(sentences) == complete_sentences or is_refusal_signal(draft):
                    continue
                complete_sentences = len(sentences)
                text = verify_and_cite(sentences, passages, self.settings.citation_min_support).text
                if text.startswith(shown) and len(text) > len(shown):
                    yield text[len(shown):]
                    shown = text
        except AnswerError:
            raise
        except Exception as exc:
            raise AnswerError(self.describe_error(exc)) from None
        result = self.finish(question, draft, passages, usage)
        if not result.refused and result.text.startswith(shown) and len(result.text) > len(shown):
            yield result.text[len(shown):]
        yield result


class OpenAIAnswerer(GenerativeAnswerer):
    """Any OpenAI-compatible chat endpoint through llama-index."""

    name = "openai"

    def __init__(self, settings: Settings, embedder: MiniLMEmbedding):
        super().__init__(settings, embedder)
        self.model = settings.llm_model
        self.llm = build_llm(settings)

    @staticmethod
    def _messages(messages: list[dict[str, str]]):
        from llama_index.core.llms import ChatMessage

        return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]

    def _chat(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
        response = self.llm.chat(self._messages(messages))
        return response.message.content or "", usage_of(response.raw)

    def _stream_chat(self, messages: list[dict[str, str]], usage: dict[str, int]) -> Iterator[str]:
        for chunk in self.llm.stream_chat(self._messages(messages)):
            usage.update(usage_of(chunk.raw))
            if chunk.delta:
                yield chunk.delta

    def describe_error(self, exc: Exception) -> str:
        return describe_llm_error(exc, self.settings)


class LocalAnswerer(GenerativeAnswerer):
    """A GGUF chat model on the CPU through llama-cpp-python (``assistant.local_llm``)."""

    name = "local"

    def __init__(self, settings: Settings, embedder: MiniLMEmbedding):
        from assistant.local_llm import LocalChatModel, LocalModelError

        super().__init__(settings, embedder)
        try:
            self.llm = LocalChatModel(
                settings.local_model_path, settings.local_threads, settings.local_context,
                settings.llm_temperature, settings.llm_max_tokens,
            )
        except LocalModelError as exc:
            raise AnswerError(str(exc)) from None
        self.model = self.llm.name

    def _chat(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
        return self.llm.chat(messages)

    def _stream_chat(self, messages: list[dict[str, str]], usage: dict[str, int]) -> Iterator[str]:
        return self.llm.stream_chat(messages, usage)


def usage_of(raw) -> dict[str, int]:
    """Token counts from an OpenAI response or chunk (object or dict); empty when it has none."""
    usage = raw.get("usage") if isinstance(raw, dict) else getattr(raw, "usage", None)
    if usage is None:
        return {}
    get = usage.get if isinstance(usage, dict) else lambda key: getattr(usage, key, None)
    return {key: int(get(key)) for key in ("prompt_tokens", "completion_tokens") if get(key) is not None}


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
    """An explicit setting wins; otherwise ``openai`` when an endpoint or key is configured, else
    ``local`` when llama-cpp-python and a model are installed, else ``extractive``."""
    from assistant.local_llm import local_available

    name = settings.answerer
    if name == "auto":
        if settings.llm_configured():
            name = "openai"
        elif local_available(settings.local_model_path):
            name = "local"
        else:
            name = "extractive"
    if name == "openai":
        return OpenAIAnswerer(settings, embedder)
    if name == "local":
        return LocalAnswerer(settings, embedder)
    return ExtractiveAnswerer(embedder, settings.min_support, settings.max_answer_sentences)
