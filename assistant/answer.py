"""Answerers: turn a question and retrieved passages into a cited answer, or a refusal.

Every answerer has the same interface: ``answer(question, passages, history) -> Answer`` and
``stream(...)``, which yields text as it is produced and then the final ``Answer``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Protocol

import prompts
from assistant.cite import (
    MarkedSentence,
    VerifiedAnswer,
    attach_markers,
    content_terms,
    is_name_lead,
    lead_is_quoted,
    looks_like_instruction,
    make_citation,
    parse_markers,
    topical_support,
    verify_and_cite,
    with_headlines,
)
from ingest.embedding import MiniLMEmbedding
from assistant.query import parse_query
from ingest.settings import redact_url, without_url_password
from assistant.settings import Settings
from assistant.short_answer import outlet_answer, short_answer
from ingest.types import Passage
from assistant.types import Answer
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


@dataclass(frozen=True)
class QuestionPart:
    """One part of a question: what it says, and the outlets and days its article must match (empty: any)."""

    text: str
    sources: tuple[str, ...] = ()
    since: str | None = None  # ISO date, inclusive
    until: str | None = None

    def admits(self, passage: Passage) -> bool:
        if self.sources and passage.source not in self.sources:
            return False
        day = passage.published_at[:10]
        if day and self.since and day < self.since:
            return False
        return not (day and self.until and day > self.until)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def question_parts(question: str, passages: Sequence[Passage]) -> list[QuestionPart]:
    """The question cut into the parts that need their own article, in question order.

    Read with the retriever's query understanding (``assistant.query.parse_query``) against the
    outlets and days of the retrieved passages: one part per outlet mention (with the dates in its
    piece), or per date when no outlet is named. A question that names neither is one part.
    """
    sources = sorted({p.source for p in passages if p.source})
    days = sorted(d for p in passages if (d := _day(p.published_at)))
    parsed = parse_query(question, sources, days[0] if days else None, days[-1] if days else None)
    parts: list[QuestionPart] = []
    for sub in parsed.subqueries:
        part = QuestionPart(sub.text, sub.filters.sources, sub.filters.since, sub.filters.until)
        if part not in parts:
            parts.append(part)
    return parts or [QuestionPart(question)]


def pick_per_part(
    scores: Sequence[Sequence[tuple[float, str, int]]], min_score: float, near: float, limit: int
) -> list[int]:
    """Sentences for an answer that covers every part of a question, one article per part first.

    ``scores[i]`` holds ``(score, doc_id, sentence)`` for each sentence that part ``i`` admits.
    First pass, part by part in order: the part's best sentence from an article not picked yet, when
    it reaches ``min_score`` (else its best sentence from a picked article, when that reaches it).
    Second pass: for each part, the best sentence of every other unpicked article that reaches
    ``min_score`` and is within ``near`` of that part's best score. At most ``limit`` sentences,
    returned grouped by part, in question order.
    """
    chosen: list[tuple[int, int]] = []  # (part, sentence)
    docs: set[str] = set()
    sentences: set[int] = set()

    def take(part: int, doc: str, sentence: int) -> None:
        chosen.append((part, sentence))
        docs.add(doc)
        sentences.add(sentence)

    for i, part in enumerate(scores):
        if len(chosen) == limit:
            break
        ranked = sorted((item for item in part if item[0] >= min_score), key=lambda item: -item[0])
        fresh = next((item for item in ranked if item[1] not in docs), None)
        if fresh is None:
            fresh = next((item for item in ranked if item[2] not in sentences), None)
        if fresh is not None:
            take(i, fresh[1], fresh[2])
    for i, part in enumerate(scores):
        if not part:
            continue
        best = max(item[0] for item in part)
        for score, doc, sentence in sorted(part, key=lambda item: -item[0]):
            if len(chosen) >= limit or score < max(min_score, best - near):
                break
            if doc not in docs:
                take(i, doc, sentence)
    order = sorted(range(len(chosen)), key=lambda k: (chosen[k][0], k))
    return [chosen[k][1] for k in order]


class ExtractiveAnswerer:
    """Quotes the retrieved sentences that best answer each part of the question, each with its citation.

    A sentence's score mixes its embedding similarity to a text with the share of the text's
    content words it contains, counted from two shared words up (``topical_support``). Below
    ``min_support`` for every sentence against the whole question, it refuses. Otherwise the
    question is cut into parts (``question_parts``: one per outlet or date it names) and each gets
    its best sentence from an article it admits, preferring articles not cited yet
    (``pick_per_part``). A part's sentence scores against the part's text, less
    ``RANK_PENALTY`` per retrieval rank of its article, and must reach ``PART_MIN_SUPPORT``; more
    articles join when within ``NEAR_BEST`` of a part's best, up to ``max_sentences``. The values
    were chosen on the dev set with ``python -m eval.benchmarks.extractive_parts`` (the sweep is in
    the README). A question that asks for a name gets the name its quotes write in front
    (``assistant.short_answer``), and one that asks which outlet gets the quoted articles' outlets;
    a Yes/No is never put in front, since quotes cannot verify one.
    """

    name = "extractive"
    model = "all-MiniLM-L6-v2 sentence ranking"
    SEMANTIC_WEIGHT = 0.6
    NEAR_BEST = 0.06
    PART_MIN_SUPPORT = 0.15
    RANK_PENALTY = 0.03
    # An article's headline is a candidate sentence too (cite.with_headlines), taken over the body
    # only when clearly better: headlines echo a question's words without answering it. Dev sweep
    # 0-0.3 in the README.
    HEADLINE_PENALTY = 0.2

    def __init__(self, embedder: MiniLMEmbedding, min_support: float, max_sentences: int,
                 part_min_support: float | None = None, near_best: float | None = None,
                 rank_penalty: float | None = None):
        self.embedder = embedder
        self.min_support = min_support
        self.max_sentences = max_sentences
        self.part_min_support = self.PART_MIN_SUPPORT if part_min_support is None else part_min_support
        self.near_best = self.NEAR_BEST if near_best is None else near_best
        self.rank_penalty = self.RANK_PENALTY if rank_penalty is None else rank_penalty

    def _score(self, cosine: float, claim: str, sentence: str) -> float:
        return self.SEMANTIC_WEIGHT * cosine + (1 - self.SEMANTIC_WEIGHT) * topical_support(claim, sentence)

    def _sentences(self, passages: list[Passage]) -> tuple[list[tuple[Passage, int, int]], list[str]]:
        """Every sentence of the passages, and each article's headline, as (passage, start, end) and text."""
        spans = [(p, p.start + s, p.start + e) for p in with_headlines(passages) for s, e in split_sentences(p.text)]
        return spans, [p.text[s - p.start : e - p.start] for p, s, e in spans]

    def support(self, question: str, texts: Sequence[str]) -> list[float]:
        """Each text's score as an answer to the question (the scale of ``min_support``)."""
        if not texts:
            return []
        vectors = self.embedder.embed([question, *texts])
        return [self._score(float(cosine), question, text) for text, cosine in zip(texts, vectors[1:] @ vectors[0])]

    def score_sentences(self, question: str, passages: list[Passage]) -> list[tuple[float, Passage, int, int]]:
        spans, texts = self._sentences(passages)
        scored = [(score, *span) for span, score in zip(spans, self.support(question, texts))]
        scored.sort(key=lambda item: -item[0])
        return scored

    def select(self, question: str, passages: list[Passage]) -> list[tuple[Passage, int, int]]:
        """The sentences to quote, as (passage, start, end) in article offsets; empty means refuse."""
        spans, texts = self._sentences(passages)
        parts = question_parts(question, passages)
        if not texts:
            return []
        claims = [question] + [part.text for part in parts if part.text != question]
        vectors = self.embedder.embed([*claims, *texts])
        cosines = vectors[len(claims):] @ vectors[: len(claims)].T  # sentence x claim
        column = {claim: j for j, claim in enumerate(claims)}
        whole = [self._score(float(cosines[k, 0]), question, text) for k, text in enumerate(texts)]
        if max(whole) < self.min_support:
            return []
        # no candidates: a sentence repeated by overlapping chunks, a planted instruction or link
        first_of: dict[str, int] = {}
        skipped = {
            k for k, text in enumerate(texts) if first_of.setdefault(text.lower(), k) != k or looks_like_instruction(text)
        }
        rank: dict[str, int] = {}
        for passage in passages:
            rank.setdefault(passage.doc_id, len(rank))
        scores = [
            [
                (
                    self._score(float(cosines[k, column[part.text]]), part.text, text)
                    - self.rank_penalty * rank[spans[k][0].doc_id]
                    - (self.HEADLINE_PENALTY if spans[k][0].field == "title" else 0.0),
                    spans[k][0].doc_id,
                    k,
                )
                for k, text in enumerate(texts)
                if k not in skipped and part.admits(spans[k][0])
            ]
            for part in parts
        ]
        picked = pick_per_part(scores, self.part_min_support, self.near_best, self.max_sentences)
        if not picked:  # no part is answered on its own: the best sentence for the whole question, from an
            # article some part admits (asked what the New York Times reported, a Verge quote misleads)
            admitted = [k for k in range(len(texts)) if k not in skipped and any(part.admits(spans[k][0]) for part in parts)]
            best = max(admitted, key=lambda k: whole[k], default=None)
            if best is None or whole[best] < self.min_support:
                return []
            picked = [best]
        return [spans[k] for k in picked]

    def answer(self, question: str, passages: list[Passage], history: History = ()) -> Answer:
        chosen = self.select(question, passages)
        if not chosen:
            return refusal(question, self.name, self.model, passages)
        citations = [make_citation(n, *span) for n, span in enumerate(chosen, start=1)]
        text = " ".join(attach_markers(f"“{c.quote}”", [c.n]) for c in citations)
        lead = outlet_answer(question, [c.source for c in citations]) or short_answer(
            question, passages, [c.quote for c in citations]
        )
        if lead:
            name, quoting = lead
            text = attach_markers(f"{name}.", [citations[i].n for i in quoting]) + " " + text
        return Answer(question, text, False, self.name, self.model, citations, passages)

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]:
        result = self.answer(question, passages, history)
        if not result.refused:  # a refusal is the Answer alone, as from the generative answerers
            yield result.text
        yield result


def sentence_passage(passage: Passage, start: int, end: int) -> Passage:
    """The span ``start:end`` (article offsets) of a passage as a passage of its own."""
    return replace(passage, text=passage.text[start - passage.start : end - passage.start], start=start, end=end)


def format_passages(passages: list[Passage]) -> str:
    """Numbered passages fenced as data; a closing tag inside article text cannot end the fence."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        body = re.sub(r"</?\s*passage", lambda m: m.group().replace("<", "&lt;"), p.text, flags=re.I)
        title = p.title.replace('"', "'")
        source = p.source.replace('"', "'")
        blocks.append(f'<passage n="{n}" title="{title}" source="{source}" date="{p.published_at[:10]}">\n{body}\n</passage>')
    return "\n\n".join(blocks)


_REFUSAL_SIGNAL = re.compile(r"insufficient[\s_]+information", re.I)
_REASONING = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.I | re.S)
_REASONING_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.I)
_REASONING_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.I)


def is_refusal_signal(draft: str) -> bool:
    """The text says INSUFFICIENT_INFORMATION (what the prompt asks for when the passages do not answer)."""
    return bool(_REFUSAL_SIGNAL.search(draft))


def without_refusal_signal(sentences: list[MarkedSentence]) -> list[MarkedSentence]:
    """The draft's sentences less those saying information is missing: they claim nothing to cite."""
    return [sentence for sentence in sentences if not is_refusal_signal(sentence.text)]


def opens_with_refusal(draft: str) -> bool:
    """The reply's first sentence is the refusal signal: the model declined to answer.

    A later "There is insufficient information about troop numbers." only says a detail is
    missing; the verified sentences before it still answer (``GenerativeAnswerer.finish``).
    """
    for start, end in split_sentences(draft):
        if re.search(r"\w", draft[start:end]):
            return is_refusal_signal(draft[start:end])
    return False


def visible_reply(draft: str) -> str:
    """The reply without a reasoning model's ``<think>...</think>`` block (qwen3 and deepseek-r1 on
    Ollama or vLLM write one first); nothing while the block is still open."""
    draft = _REASONING.sub("", draft)
    closes = list(_REASONING_CLOSE.finditer(draft))
    if closes:  # the opening tag was in the chat template, not in the reply
        draft = draft[closes[-1].end():]
    opened = _REASONING_OPEN.search(draft)
    return (draft[: opened.start()] if opened else draft).strip()


def chat_messages(
    question: str, passages: list[Passage], template: str = "answer_with_citations"
) -> list[dict[str, str]]:
    """System prompt plus an answer prompt (``prompts/TEMPLATE.txt``): numbered passages fenced as
    data, then the question."""
    user = prompts.load(template).format(passages=format_passages(passages), question=question)
    return [{"role": "system", "content": prompts.load("system")}, {"role": "user", "content": user}]


class GenerativeAnswerer(ABC):
    """Drafts an answer with a chat model, then keeps only what the passages support.

    Before the model is asked, retrieval that is too weak (no retrieved sentence reaches
    ``min_support``, the extractive answerer's measured refusal threshold) is a refusal. After
    it answers, every sentence is checked against its cited passages (``verify_and_cite``); when
    none survives, or those that do are not about the question (``addresses``), the extractive
    answerer's quotes stand in (``Settings.unverified_draft``).
    Subclasses provide ``_chat`` and ``_stream_chat``.
    """

    name = "generative"
    model = ""
    prompt_template = "answer_with_citations"  # prompts/NAME.txt

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

    def prompt_passages(self, question: str, passages: list[Passage]) -> list[Passage]:
        """The passages the model is shown and may cite (none: refuse without asking it)."""
        return [] if not passages or self.too_weak(question, passages) else passages

    def addresses(self, question: str, verified: VerifiedAnswer, passages: list[Passage]) -> bool:
        """Whether a verified draft bears on this question, not merely on something in the passages.

        A small model can copy a sentence word for word (fully supported) from a retrieved passage
        that is about something else: asked what Hungary committed to, SmolLM2 quoted a football
        takeover. One kept sentence, or one sentence of a passage the draft cites, must reach
        ``min_support`` against the question: the bar the refusal gate sets for retrieved
        sentences. The cited passages count, not only the quoted spans, so that a terse right
        answer ("Google [1].") whose quoted span is any sentence naming Google still stands.
        """
        cited = [
            p for p in passages
            if any(c.doc_id == p.doc_id and (c.field == "title" or p.start <= c.start and c.end <= p.end)
                   for c in verified.citations)
        ]
        texts = [*verified.claims, *self.gate._sentences(cited)[1]]
        return max(self.gate.support(question, texts), default=0.0) >= self.settings.min_support

    def name_alone(self, question: str, sentences: list[MarkedSentence], passages: list[Passage]) -> VerifiedAnswer | None:
        """A finished reply that is only a name ("Hungary [2]."), cited to a sentence naming it among
        the retrieved sentences that best answer the question: the best, or within the extractive
        answerer's ``near_best`` of it, and reaching ``min_support``; None when none does, or the
        reply is more than a name. (Not while streaming: a name there may still be followed by the
        explanation whose quote it must stand on.)

        Any sentence naming it would do for support, and proves nothing: "Russia [1]" for which
        country the budget keeps out of a NATO mission, [1] naming Russia in the second-best
        sentence, on something else.
        """
        if len(sentences) != 1 or not is_name_lead(sentences[0].text):
            return None
        name = sentences[0].text
        if content_terms(name) <= content_terms(question):
            return None  # "Ukraine." for which country stays out of a mission in Ukraine repeats the question
        scored = self.gate.score_sentences(question, passages)
        best = scored[0][0] if scored else 0.0
        for score, passage, start, end in scored:
            if score < max(best - self.gate.near_best, self.settings.min_support):
                break
            text = passage.text[start - passage.start : end - passage.start]
            if lead_is_quoted(name, text) and not looks_like_instruction(text):
                return VerifiedAnswer(attach_markers(name, [1]), [make_citation(1, passage, start, end)], [], 0, [name])
        return None

    def finish(self, question: str, draft: str, passages: list[Passage], usage: dict[str, int]) -> Answer:
        draft = visible_reply(draft)
        if opens_with_refusal(draft):
            result = refusal(question, self.name, self.model, passages)
        else:
            claims = without_refusal_signal(parse_markers(draft))
            verified = verify_and_cite(claims, passages, self.settings.citation_min_support)
            if not verified.citations:
                verified = self.name_alone(question, claims, passages) or verified
            if verified.citations and self.addresses(question, verified, passages):
                result = Answer(question, verified.text, False, self.name, self.model, verified.citations, passages)
            elif is_refusal_signal(draft):  # "The passages do not say. INSUFFICIENT_INFORMATION"
                result = refusal(question, self.name, self.model, passages)
            elif self.settings.unverified_draft == "quotes":
                why = "did not address the question" if verified.citations else "failed verification"
                result = self.quoted_instead(question, passages, why)
            else:
                result = refusal(question, self.name, self.model, passages)
        result.usage = dict(usage)
        return result

    def quoted_instead(self, question: str, passages: list[Passage], why: str) -> Answer:
        """The extractive answer, labelled as standing in for the model's draft and saying why.

        Retrieval passed the refusal gate, so a refusal would tell the user the archive does not
        hold the answer when it is the model's draft that failed; exact quotes are verified by
        construction.
        """
        quoted = self.gate.answer(question, passages)
        return replace(quoted, model=f"{quoted.model}; the {self.name} model's draft {why}")

    def answer(self, question: str, passages: list[Passage], history: History = ()) -> Answer:
        shown = self.prompt_passages(question, passages)
        if not shown:
            return refusal(question, self.name, self.model, passages)
        try:
            draft, usage = self._chat(chat_messages(question, shown, self.prompt_template))
        except AnswerError:
            raise
        except Exception as exc:
            raise AnswerError(self.describe_error(exc)) from None
        return self.finish(question, draft, shown, usage)

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]:
        """Yields verified text as whole sentences arrive, then the Answer.

        Nothing unchecked is shown: text is yielded only once its sentences are verified and they
        address the question (``addresses``), so a draft that ends up replaced by the quotes has
        shown nothing of itself.
        """
        given = self.prompt_passages(question, passages)
        if not given:
            yield refusal(question, self.name, self.model, passages)
            return
        draft, shown, complete_sentences, usage, on_topic = "", "", 0, {}, False
        try:
            for delta in self._stream_chat(chat_messages(question, given, self.prompt_template), usage):
                draft += delta
                visible = visible_reply(draft)
                sentences = parse_markers(visible)[:-1]  # the last one may still be growing
                if len(sentences) == complete_sentences or opens_with_refusal(visible):
                    continue
                complete_sentences = len(sentences)
                verified = verify_and_cite(without_refusal_signal(sentences), given, self.settings.citation_min_support)
                on_topic = on_topic or (bool(verified.citations) and self.addresses(question, verified, given))
                text = verified.text
                if on_topic and text.startswith(shown) and len(text) > len(shown):
                    yield text[len(shown):]
                    shown = text
        except AnswerError:
            raise
        except Exception as exc:
            raise AnswerError(self.describe_error(exc)) from None
        result = self.finish(question, draft, given, usage)
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
        finished = started = False
        try:
            for chunk in self.llm.stream_chat(self._messages(messages)):
                started = True
                usage.update(usage_of(chunk.raw))
                finished = finished or finish_reason_of(chunk.raw) is not None
                if chunk.delta:
                    yield chunk.delta
        except Exception as exc:
            # a stream is not retried once it has begun: the wait that ran out was one pause
            if started and is_timeout(exc):
                raise IncompleteReply(f"the reply stopped mid-stream: nothing more came within "
                                      f"{self.settings.llm_timeout:g} s (NEWSDESK_LLM_TIMEOUT)") from None
            raise
        if not finished:  # a stream that broke off, or a reply that was no chat completion at all
            raise IncompleteReply("the reply ended before the model said it had finished (no finish_reason)")

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

    @property
    def prompt_template(self) -> str:
        return "answer_local" if self.settings.local_prompt == "focused" else "answer_with_citations"

    def prompt_passages(self, question: str, passages: list[Passage]) -> list[Passage]:
        """With ``local_prompt = "focused"``: only the sentences the extractive answerer would quote.

        Measured on the dev set (``newsdesk eval --answerer local``, same retrieval, SmolLM2-135M):
        all five passages and ``answer_with_citations``: false refusal 0.744, citation precision
        0.864, recall 0.105, 82.7k prompt tokens; the selected sentences with the shorter
        ``answer_local`` prompt: false refusal 0.837, precision 1.000, recall 0.070, 43.6k prompt
        tokens and about half the generation time. The 135M model mostly restates the question
        either way, which verification drops; the focused prompt trades recall for precision, so it
        is not the default.
        """
        if self.settings.local_prompt != "focused":
            return super().prompt_passages(question, passages)
        return [sentence_passage(*span) for span in self.gate.select(question, passages)] if passages else []

    def _chat(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
        return self.llm.chat(messages)

    def _stream_chat(self, messages: list[dict[str, str]], usage: dict[str, int]) -> Iterator[str]:
        return self.llm.stream_chat(messages, usage)


class IncompleteReply(RuntimeError):
    """The endpoint's streamed reply stopped before a chunk with a ``finish_reason``."""


def finish_reason_of(raw) -> str | None:
    """The first choice's ``finish_reason`` in an OpenAI chunk (object or dict), or None."""
    choices = raw.get("choices") if isinstance(raw, dict) else getattr(raw, "choices", None)
    if not choices:
        return None
    first = choices[0]
    return first.get("finish_reason") if isinstance(first, dict) else getattr(first, "finish_reason", None)


def usage_of(raw) -> dict[str, int]:
    """Token counts from an OpenAI response or chunk (object or dict); empty when it has none."""
    usage = raw.get("usage") if isinstance(raw, dict) else getattr(raw, "usage", None)
    if usage is None:
        return {}
    get = usage.get if isinstance(usage, dict) else lambda key: getattr(usage, key, None)
    return {key: int(get(key)) for key in ("prompt_tokens", "completion_tokens") if get(key) is not None}


def is_timeout(exc: Exception) -> bool:
    return "timed out" in str(exc).lower() or "timeout" in type(exc).__name__.lower()


def status_error_detail(exc: Exception) -> str | None:
    """``HTTP 401: Incorrect API key provided`` for an openai status error, from the body's message
    rather than the Python dict the exception prints; None for other errors."""
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        return None
    body = getattr(exc, "body", None)
    detail = None
    if isinstance(body, dict):
        error = body.get("error", body)
        detail = error.get("message") if isinstance(error, dict) else error
    elif isinstance(body, str):
        detail = body
    detail = " ".join(str(detail).split())[:300] if detail else getattr(exc, "message", "") or type(exc).__name__
    return f"HTTP {status}: {detail}"


def describe_llm_error(exc: Exception, settings: Settings) -> str:
    """One readable line; never includes the API key."""
    where = redact_url(settings.llm_base_url) or "api.openai.com"
    message = status_error_detail(exc) or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if isinstance(exc, (IndexError, KeyError, TypeError, AttributeError, ValueError)) and not isinstance(exc, IncompleteReply):
        # what llama-index or openai raise reading a body that is no chat completion ("choices": [])
        message = f"its reply was not an OpenAI chat completion ({type(exc).__name__}: {message})"
    elif message.rstrip(".") == "Connection error" and exc.__cause__ is not None and str(exc.__cause__):
        message = f"Connection error ({str(exc.__cause__).splitlines()[0]})"  # "[Errno 111] Connection refused"
    message = without_url_password(message, settings.llm_base_url)
    if settings.llm_api_key is not None:
        message = message.replace(settings.llm_api_key.get_secret_value(), "***")
    if is_timeout(exc):
        tries = settings.llm_max_retries + 1
        message += (f" (no reply within {settings.llm_timeout:g} s, {tries} tr{'ies' if tries > 1 else 'y'}; "
                    "NEWSDESK_LLM_TIMEOUT and NEWSDESK_LLM_MAX_RETRIES set these)")
    return f"the language model at {where} failed: {message}"


def build_llm(settings: Settings):
    """A llama-index OpenAI / OpenAILike client with one retry layer, ``llm_max_retries`` deep.

    llama-index wraps non-streaming calls in its own retry loop around the openai client's, so
    ``max_retries=2`` made 6 requests (12 for 3) and logged each retry unredacted; here its loop is
    off and the openai client alone retries.
    """
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    common = dict(
        model=settings.llm_model,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=0,  # llama-index's own retry loop: off (see above)
        max_tokens=settings.llm_max_tokens,
    )
    if settings.llm_base_url or not knows_model(settings.llm_model):
        # A model name llama-index's OpenAI class does not list (one newer than the installed
        # llama-index) goes to api.openai.com as OpenAILike, which needs no list: the server says
        # whether it serves it, instead of llama-index refusing with its whole list of names.
        from llama_index.llms.openai_like import OpenAILike

        llm = one_retry_layer(OpenAILike)(
            api_base=settings.llm_base_url or OPENAI_API_BASE,
            api_key=key or "not-needed",
            is_chat_model=True,
            context_window=settings.llm_context_window,
            **common,
        )
    else:
        from llama_index.llms.openai import OpenAI

        llm = one_retry_layer(OpenAI)(api_key=key, **common)
    llm._client_retries = settings.llm_max_retries
    return llm


OPENAI_API_BASE = "https://api.openai.com/v1"


def knows_model(model: str) -> bool:
    """Whether llama-index's OpenAI class lists the model (it looks up the context window by name)."""
    from llama_index.llms.openai.utils import openai_modelname_to_contextsize

    try:
        openai_modelname_to_contextsize(model)
    except ValueError:
        return False
    return True


@cache
def one_retry_layer(base: type) -> type:
    """``base`` whose openai client retries ``_client_retries`` times while llama-index's loop is off."""
    from pydantic import PrivateAttr

    class OneRetryLayer(base):
        _client_retries: int = PrivateAttr(default=0)

        def _get_credential_kwargs(self, is_async: bool = False) -> dict:
            return {**super()._get_credential_kwargs(is_async), "max_retries": self._client_retries}

    OneRetryLayer.__name__ = base.__name__
    return OneRetryLayer


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
