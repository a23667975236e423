"""The extractive answerer: quotes the retrieved sentences that best answer each part of the question."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from assistant.answerers import History, refusal
from assistant.answerers.yes_no import answer_yes_no, asks_yes_no
from assistant.cite import attach_markers, looks_like_instruction, make_citation, topical_support, with_headlines
from ingest.embedding import MiniLMEmbedding
from assistant.query import parse_query, part_admits
from assistant.short_answer import outlet_answer
from assistant.answerers.candidates import asks_short_answer, best_lead
from assistant.hedges import NO_DIRECT_ANSWER, NOT_REPORTED, quoted
from ingest.types import Passage
from assistant.types import Answer
from ingest.chunking import split_sentences


@dataclass(frozen=True)
class QuestionPart:
    """One part of a question: what it says, and the outlets and days its article must match (empty: any)."""

    text: str
    sources: tuple[str, ...] = ()
    since: str | None = None  # ISO date, inclusive
    until: str | None = None

    def admits(self, passage: Passage) -> bool:
        return part_admits(passage, self.sources, self.since, self.until)


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
    the README).

    What leads the quotes: a question answered Yes or No ("Did ...", "Does the TechCrunch article
    suggest X, while The Verge reports Y?") is judged part by part with the claim verifier
    (``assistant.answerers.yes_no``): "Yes", "No" or "Not sure" first, then each part's cited
    sentence. "Which outlet ...?" gets the quoted articles' outlets (``short_answer.outlet_answer``).
    Who / which / what / when / how much gets the candidate answer the verifier supports
    (``assistant.answerers.candidates``), cited; else "I could not find a direct answer", or "The
    archive does not report that <premise>" when the verifier finds the question's premise unsupported.
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
                 rank_penalty: float | None = None, shared_vectors: bool = False):
        self.embedder = embedder
        # True: sentence vectors come from the verifier's cache (``assistant.verifier.shared_embeddings``,
        # same MiniLM), so a sentence is embedded once for ranking and for verifying, across questions
        self.shared_vectors = shared_vectors
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

    def _vectors(self, texts: list[str]):
        if self.shared_vectors:
            from assistant.verifier import shared_embeddings

            return shared_embeddings().vectors(texts)
        return self.embedder.embed(texts)

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
        vectors = self._vectors([*claims, *texts])
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
        if asks_yes_no(question) and passages:
            reply = answer_yes_no(question, passages)
            return Answer(question, reply.text, False, self.name, self.model, reply.citations, passages)
        chosen = self.select(question, passages)
        if not chosen:
            return refusal(question, self.name, self.model, passages)
        outlets = outlet_answer(question, [p.source for p, _, _ in chosen])
        found = None if outlets else best_lead(question, passages, [sentence_text(*span) for span in chosen])
        if found and found[0] is not None:  # the verified short answer's sentence is cited first
            lead = found[0]
            chosen = [(lead.passage, *lead.span)] + [c for c in chosen if c != (lead.passage, *lead.span)]
            chosen = chosen[: self.max_sentences + 1]
        citations = [make_citation(n, *span) for n, span in enumerate(chosen, start=1)]
        text = " ".join(attach_markers(quoted(c.quote), [c.n]) for c in citations)
        if outlets:
            name, quoting = outlets
            text = attach_markers(f"{name}.", [citations[i].n for i in quoting]) + " " + text
        elif found and found[0] is not None:
            text = attach_markers(f"{found[0].text}.", [1]) + " " + text
        elif found and asks_short_answer(question):
            _, premise, premise_verdict = found
            if premise and premise_verdict is not None and not premise_verdict.supported:
                text = f"{NOT_REPORTED} that {premise}; the closest it has: " + text
            else:
                text = f"{NO_DIRECT_ANSWER}; the closest quotes: " + text
        return Answer(question, text, False, self.name, self.model, citations, passages)

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]:
        result = self.answer(question, passages, history)
        if not result.refused:  # a refusal is the Answer alone, as from the generative answerers
            yield result.text
        yield result


def sentence_text(passage: Passage, start: int, end: int) -> str:
    return passage.text[start - passage.start : end - passage.start]


def sentence_passage(passage: Passage, start: int, end: int) -> Passage:
    """The span ``start:end`` (article offsets) of a passage as a passage of its own."""
    return replace(passage, text=passage.text[start - passage.start : end - passage.start], start=start, end=end)
