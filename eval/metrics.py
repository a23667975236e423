"""Metric functions: pure, per question; the runner averages them. Exact definitions in docs/evaluation.md."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from assistant.cite import is_name_lead, is_short_answer, parse_markers
from assistant.hedges import is_unsure, says_not_reported

# --- retrieval, article level: ``retrieved`` is a ranked list of distinct document ids -------------


def hits_at(retrieved: Sequence[str], gold: Sequence[str], k: int) -> float:
    """1.0 when any gold document is among the first k retrieved, else 0.0."""
    top = set(retrieved[:k])
    return 1.0 if any(g in top for g in gold) else 0.0


def reciprocal_rank(retrieved: Sequence[str], gold: Sequence[str], k: int = 10) -> float:
    """1/rank of the first gold document within the first k, 0.0 when none is there."""
    gold_set = set(gold)
    for rank, doc in enumerate(retrieved[:k], start=1):
        if doc in gold_set:
            return 1.0 / rank
    return 0.0


def average_precision(retrieved: Sequence[str], gold: Sequence[str], k: int = 10) -> float:
    """AP@k: sum of precision@i over the ranks i <= k that hold a not-yet-seen gold document,
    divided by min(number of distinct gold documents, k); 0.0 without gold."""
    gold_set = set(gold)
    if not gold_set:
        return 0.0
    seen: set[str] = set()
    found = 0
    total = 0.0
    for rank, doc in enumerate(retrieved[:k], start=1):
        if doc in gold_set and doc not in seen:
            seen.add(doc)
            found += 1
            total += found / rank
    return total / min(len(gold_set), k)


def evidence_recall(retrieved: Sequence[str], gold: Sequence[str], k: int) -> float:
    """Share of the distinct gold documents found among the first k retrieved."""
    gold_set = set(gold)
    if not gold_set:
        return 0.0
    return len(gold_set & set(retrieved[:k])) / len(gold_set)


def all_evidence(retrieved: Sequence[str], gold: Sequence[str], k: int) -> float:
    """1.0 when every gold document is among the first k retrieved."""
    return 1.0 if gold and set(gold) <= set(retrieved[:k]) else 0.0


# --- retrieval, the MultiHop-RAG benchmark's own rule: chunk texts against gold facts ----------------


def squash(text: str) -> str:
    """The benchmark's normalisation: spaces and line feeds removed, nothing else changed."""
    return text.replace(" ", "").replace("\n", "")


def fact_scores(chunks: Sequence[str], facts: Sequence[str]) -> dict[str, float]:
    """Hits@4, Hits@10, MRR@10 and MAP@10 exactly as MultiHop-RAG's ``retrieval_evaluate.py``.

    A retrieved chunk (ranked list of chunk texts) is a hit when some gold fact, squashed, is a
    substring of the squashed chunk. MAP@10 adds, at every hit rank r <= 10, (gold facts first
    found in that chunk) / r, and divides by min(len(facts), 10).
    """
    gold = [squash(f) for f in facts if f.strip()]
    if not gold:
        return {"fact_hits@4": 0.0, "fact_hits@10": 0.0, "fact_mrr@10": 0.0, "fact_map@10": 0.0}
    first_hit = None
    found: set[str] = set()
    ap_sum = 0.0
    for rank, chunk in enumerate(chunks[:10], start=1):
        text = squash(chunk)
        if not any(g in text for g in gold):
            continue
        first_hit = first_hit or rank
        new = [g for g in dict.fromkeys(gold) if g in text and g not in found]
        found.update(new)
        ap_sum += len(new) / rank
    return {
        "fact_hits@4": 1.0 if first_hit is not None and first_hit <= 4 else 0.0,
        "fact_hits@10": 1.0 if first_hit is not None else 0.0,
        "fact_mrr@10": 1.0 / first_hit if first_hit else 0.0,
        "fact_map@10": ap_sum / min(len(gold), 10),
    }


# --- answers ------------------------------------------------------------------------------------------

YES = {"yes", "true", "consistent", "agree", "correct"}
NO = {"no", "false", "inconsistent", "disagree", "incorrect"}
ARTICLES = {"a", "an", "the"}
_NON_WORD = re.compile(r"[^\w\s]")
_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")


def normalise_answer(text: str) -> str:
    """Entity normalisation: accents folded, lower case, markers/punctuation/possessive 's and
    the articles a/an/the removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _MARKER.sub(" ", text).replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(w for w in words if w not in ARTICLES)


def yes_no(text: str) -> str | None:
    """'yes' / 'no' when the text is (or opens with) a yes/no word, else None."""
    words = normalise_answer(text).split()
    if not words:
        return None
    if words[0] in YES:
        return "yes"
    if words[0] in NO:
        return "no"
    return None


def leading_name(answer: str) -> str | None:
    """The name an answer opens with as its short answer ("Caroline Ellison [1][2]. “...”"), or None."""
    sentences = parse_markers(answer)
    return sentences[0].text if sentences and is_name_lead(sentences[0].text) else None


def leading_short_answer(answer: str) -> str | None:
    """The name, number or date an answer opens with as its short answer (``definite_lead`` less Yes/No)."""
    lead = definite_lead(answer)
    return lead if lead not in (None, "yes", "no") else None


def answer_matches(predicted: str, gold: str) -> bool:
    """A one-word Yes/No gold matches when the answer opens with a word of the same polarity; any other
    gold matches when its normalised words appear, in order and contiguous, among the answer's, or
    among its leading short answer's when it opens with one (a name, a number or a date:
    ``definite_lead``): "Caroline Ellison. “... Bankman-Fried ...”" names the wrong person, whatever
    its quotes go on to mention."""
    gold_words = normalise_answer(gold).split()
    if not gold_words:
        return False
    if len(gold_words) == 1 and yes_no(gold) is not None:
        return yes_no(predicted) == yes_no(gold)
    answer_words = normalise_answer(leading_short_answer(predicted) or predicted).split()
    n = len(gold_words)
    return any(answer_words[i : i + n] == gold_words for i in range(len(answer_words) - n + 1))


def answer_correct(predicted: str, refused: bool, gold: str, is_null: bool) -> float:
    """Answer accuracy of one question: a null query is correct when refused or when the answer opens
    "The archive does not report ..." (a false premise, said so); any other when not
    refused, not unsure (``assistant.hedges.is_unsure``: an answer that says it is unsure is never
    right, whatever its quotes mention) and ``answer_matches``."""
    if is_null:  # a refusal, or an answer that says the archive does not report the question's premise
        return 1.0 if refused or says_not_reported(predicted) else 0.0
    return 1.0 if not refused and not is_unsure(predicted) and answer_matches(predicted, gold) else 0.0


def gold_polarity(gold: str) -> str | None:
    """'yes' / 'no' for a one-word Yes/No gold answer ("Yes", "no", "Consistent"), else None."""
    return yes_no(gold) if len(normalise_answer(gold).split()) == 1 else None


_NUMBER_LEAD = re.compile(r"^\W*(?:about\s+|around\s+|over\s+|nearly\s+)?[$€£¥]?\d[\d,.]*(?:\s*(?:%|percent|per cent|"
                          r"thousand|million|billion|trillion|[kmb]n?)\b)?", re.I)
_DATE_LEAD = re.compile(r"^\W*(?:(?:on|in)\s+)?(?:\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
                        r"\s+\d{1,2}\b|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b)", re.I)


def definite_lead(answer: str) -> str | None:
    """The definite short answer an answer opens with, or None: "yes"/"no" (a Yes/No word first), a
    name ("Caroline Ellison [1]. “...”"), or a number or date alone as its first sentence ("$1.2
    billion [1]."). An answer that opens by saying it is unsure (``assistant.hedges``) has none."""
    if not answer.strip() or is_unsure(answer):
        return None
    polarity = yes_no(answer)
    if polarity:
        return polarity
    if answer.lstrip()[:1] in "“\"‘'":  # a quote first: no short answer of its own
        return None
    name = leading_name(answer)
    if name:
        return name.strip().rstrip(".!?").strip()
    sentences = parse_markers(answer)
    first = sentences[0].text.strip().rstrip(".!?").strip() if sentences else ""
    if first and len(first.split()) <= 6 and (_NUMBER_LEAD.match(first) or _DATE_LEAD.match(first)):
        return first
    return None


def confidently_wrong(predicted: str, refused: bool, gold: str) -> float:
    """1.0 when an answer to an answerable question leads with a definite short answer
    (``definite_lead``) and does not match the gold (``answer_matches``); 0.0 otherwise: right, refused,
    unsure, or quotes without a short answer."""
    if refused or definite_lead(predicted) is None:
        return 0.0
    return 0.0 if answer_matches(predicted, gold) else 1.0


def unsure(predicted: str, refused: bool) -> float:
    """1.0 when the answer is not a refusal and opens by saying it is unsure ("Not sure", "I could not
    find a direct answer", "The archive does not report ..."), else 0.0."""
    return 1.0 if not refused and is_unsure(predicted) else 0.0


# --- citations ------------------------------------------------------------------------------------------


def citation_precision(cited: Sequence[str], gold: Sequence[str]) -> float | None:
    """Share of the distinct cited documents that are gold evidence; None when nothing is cited."""
    cited_set = set(cited)
    if not cited_set:
        return None
    return len(cited_set & set(gold)) / len(cited_set)


def citation_recall(cited: Sequence[str], gold: Sequence[str]) -> float | None:
    """Share of the distinct gold documents that are cited; None without gold."""
    gold_set = set(gold)
    if not gold_set:
        return None
    return len(gold_set & set(cited)) / len(gold_set)


def cited_sentence_share(answer_text: str) -> float | None:
    """Share of the answer's sentences that carry at least one ``[n]`` marker; None for no sentences."""
    sentences = parse_markers(answer_text)
    if not sentences:
        return None
    return sum(1 for s in sentences if s.markers) / len(sentences)


_LEAD_LABEL = re.compile(r"^\W*[A-Z][\w’'-]*(?:\s[a-z]+)?:\s")  # "Yes: ...", "Not sure: ...", "Agree: ..."
_QUOTED = re.compile(r"“([^”]+)”")


def stated_claim(sentence: str) -> str | None:
    """What a sentence of an answer claims the sources say: its quoted words when it quotes
    ("Fortune (2023-10-04): “...”" claims the quote; the outlet and date come from the article's
    metadata), else the sentence; None for a short answer in front ("Yes.", "Yes: the reports say
    ...", "Not sure: ...", a name), which the answerer decided from the quotes that follow it."""
    if is_short_answer(sentence) or is_name_lead(sentence) or _LEAD_LABEL.match(sentence):
        return None  # "No: X does not say “<the question's claim>”" quotes the question, not a source
    quoted = _QUOTED.findall(sentence)
    return " ".join(q.strip() for q in quoted) if quoted else sentence


def faithfulness(answer_text: str, quotes: Mapping[int, str], supports: Callable[[str, str], bool]) -> float | None:
    """Share of the answer's cited claims (``stated_claim`` of each sentence with a marker) that
    ``supports`` (the claim verifier) finds held by the quotes the sentence cites. None when no
    sentence cites a quote."""
    judged = []
    for sentence in parse_markers(answer_text):
        cited = [quotes[n] for n in dict.fromkeys(sentence.markers) if n in quotes]
        claim = stated_claim(sentence.text) if cited else None
        if claim:
            judged.append(supports(claim, " ".join(cited)))
    return sum(judged) / len(judged) if judged else None


# --- aggregation -------------------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
