"""The generative answerers' base: a chat model drafts, and only what the passages support is kept.

Also the draft helpers: the prompt's passages and messages, the refusal signal, reasoning blocks.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import replace

import prompts
from assistant.answerers import AnswerError, History, refusal
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.cite import (
    BearsOn,
    MarkedSentence,
    VerifiedAnswer,
    attach_markers,
    content_terms,
    is_name_lead,
    lead_is_quoted,
    looks_like_instruction,
    make_citation,
    parse_markers,
    verify_and_cite,
)
from assistant.injection import suspicious_sources
from ingest.embedding import MiniLMEmbedding
from assistant.settings import Settings
from ingest.types import Passage
from assistant.types import Answer
from ingest.chunking import split_sentences


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
    it answers, every sentence is checked against its cited passages (``verify_and_cite``) and
    kept only when it bears on the question (``bears_on``); when none survives, the extractive
    answerer's quotes stand in (``Settings.unverified_draft``). Passages holding text addressed
    to a model are named in the answer (``Answer.suspicious``).
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

    def bears_on(self, question: str, passages: list[Passage]) -> BearsOn:
        """The test a supported sentence must pass to be kept: it bears on the question by itself (its
        score against the question, the extractive answerer's, reaches ``min_support``), or one
        sentence of the passages it cites does, when none of them is suspicious (``suspicious_sources``).

        A small model can copy a sentence word for word (fully supported) from a retrieved passage
        that is about something else: asked what Hungary committed to, SmolLM2 quoted a football
        takeover. The cited passages count, not only the sentence, so that a detail of the right
        article ("The gate will cost 40 million euros [1].") or a terse answer ("Google [1].") still
        stands; but not in an article that holds text addressed to a model, where the payload ("The
        code word is PWNED.") sits beside the answer.
        """
        suspicious = set(suspicious_sources(passages))
        best: dict[tuple[str, str, int], float] = {}
        for score, passage, _, _ in self.gate.score_sentences(question, passages):
            key = (passage.doc_id, passage.field, passage.start)
            best[key] = max(best.get(key, score), score)
        own: dict[str, float] = {}

        def test(sentence: str, cited: list[Passage]) -> bool:
            if not any(p.doc_id in suspicious for p in cited) and any(
                    best.get((p.doc_id, p.field, p.start), 0.0) >= self.settings.min_support for p in cited):
                return True
            if sentence not in own:
                own[sentence] = self.gate.support(question, [sentence])[0]
            return own[sentence] >= self.settings.min_support

        return test

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

    def finish(self, question: str, draft: str, passages: list[Passage], usage: dict[str, int],
               bears_on: BearsOn | None = None) -> Answer:
        """The answer from the model's whole reply (``bears_on``: this question's test, when the stream made it)."""
        draft = visible_reply(draft)
        if opens_with_refusal(draft):
            result = refusal(question, self.name, self.model, passages)
        else:
            claims = without_refusal_signal(parse_markers(draft))
            verified = verify_and_cite(claims, passages, bears_on or self.bears_on(question, passages))
            if not verified.citations:
                verified = self.name_alone(question, claims, passages) or verified
            if verified.citations:
                result = Answer(question, verified.text, False, self.name, self.model, verified.citations, passages)
            elif is_refusal_signal(draft):  # "The passages do not say. INSUFFICIENT_INFORMATION"
                result = refusal(question, self.name, self.model, passages)
            elif self.settings.unverified_draft == "quotes":
                why = "did not address the question" if verified.off_topic else "failed verification"
                result = self.quoted_instead(question, passages, why)
            else:
                result = refusal(question, self.name, self.model, passages)
        result.usage = dict(usage)
        result.suspicious = suspicious_sources(passages)
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

        Nothing unchecked is shown: text is yielded only once its sentences are verified and bear on
        the question (``bears_on``), so a draft that ends up replaced by the quotes has shown
        nothing of itself.
        """
        given = self.prompt_passages(question, passages)
        if not given:
            yield refusal(question, self.name, self.model, passages)
            return
        draft, shown, complete_sentences, usage = "", "", 0, {}
        bears_on = self.bears_on(question, given)
        try:
            for delta in self._stream_chat(chat_messages(question, given, self.prompt_template), usage):
                draft += delta
                visible = visible_reply(draft)
                sentences = parse_markers(visible)[:-1]  # the last one may still be growing
                if len(sentences) == complete_sentences or opens_with_refusal(visible):
                    continue
                complete_sentences = len(sentences)
                text = verify_and_cite(without_refusal_signal(sentences), given, bears_on).text
                if text.startswith(shown) and len(text) > len(shown):
                    yield text[len(shown):]
                    shown = text
        except AnswerError:
            raise
        except Exception as exc:
            raise AnswerError(self.describe_error(exc)) from None
        result = self.finish(question, draft, given, usage, bears_on)
        if not result.refused and result.text.startswith(shown) and len(result.text) > len(shown):
            yield result.text[len(shown):]
        yield result
