"""Short answers to who / which / what / when / how much questions, chosen by the claim verifier.

Candidates are what the retrieved passages could answer with: name phrases for "Who / Which /
What <noun>" (``assistant.short_answer.name_phrases``, less the names the question itself gives and
the outlets), amounts for "How much / How many", days for "When". Each candidate is put into the
question to make the claim it would answer ("Which team won the final?" + "South Africa" -> "South
Africa won the final"; "How much did Apple pay to acquire Beeper?" + "$50 million" -> "Apple did
pay $50 million to acquire Beeper") and that claim is judged by ``assistant.verifier.verify``
against the passages that mention the candidate. The best-supported candidate leads, citing its
deciding sentence, only when the verifier finds it supported; otherwise there is no short answer.

The question's premise (the claim without the asked-for part: "Apple did pay to acquire Beeper")
is judged the same way, so an answer can say that the archive does not report it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.cite import headline_passage, metadata_numbers, without_instructions
from assistant.short_answer import asks_for_name, fold, name_phrases, unmentioned_names
from assistant.verifier import Verdict, verify
from ingest.chunking import split_sentences
from ingest.dates import DAY_PATTERNS
from ingest.types import Passage

AUX = r"did|does|do|is|was|were|are|has|have|had|will|would|can|could"
_LEADING_CONTEXT = re.compile(r"^\s*(?:according to [^,]+,|in [^,]{0,60},|based on [^,]+,)\s*", re.I)
_INVERTED = re.compile(
    rf"^(?P<wh>who|whom|what|when|how much(?:\s+money)?|how many(?:\s+\w+)?|which(?:\s+[\w-]+){{1,3}}?)\s+"
    rf"(?P<aux>{AUX})\s+(?P<rest>.+)$", re.I,
)
_SUBJECT = re.compile(r"^(?P<subj>(?:(?:the|a|an|its|their|his|her)\s+)?(?:[A-Z0-9][\w&.'’-]*(?:\s+(?:of|de|and|&)\s+|\s+)?)+|"
                      r"(?:the|a|an|its|their|his|her)\s+[\w-]+(?:\s+[\w-]+)?)\s+(?P<verb>[a-z][\w-]*)(?P<tail>.*)$")
_DIRECT = re.compile(rf"^(?P<wh>who|what(?:\s+is|\s+was)?\s+the\s+name\s+of\s+the(?:\s+[\w-]+){{1,3}}?|which(?:\s+[\w-]+){{1,3}}?|"
                     rf"what(?:\s+[\w-]+){{1,2}}?)\s+(?P<rest>(?:{AUX}|[a-z]+(?:ed|s)|that|won|lost|led|made|paid|took|"
                     rf"became|beat|hired|signed|bought|sold|said)\b.*)$", re.I)
_PREPOSITIONS = frozenset("to for against as with from by at in on of over".split())
_AMOUNT = re.compile(
    r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s*(?:million|billion|trillion|bn|m|k)\b)?"
    r"|\b\d[\d,]*(?:\.\d+)?\s*(?:%|percent|per cent|million|billion|trillion|(?:[a-z]+\s+)?(?:dollars|euros|pounds))\b"
    r"|\b\d[\d,]*(?:\.\d+)?\b)", re.I,
)
MAX_CANDIDATES = 4
MAX_EVIDENCE = 2
LEAD_FROM = 0.5  # the verifier's own "supported"


def asks_for_amount(question: str) -> bool:
    return bool(re.match(r"^\W*how\s+(?:much|many)\b", question, re.I))


def asks_for_day(question: str) -> bool:
    return bool(re.match(r"^\W*when\b", question, re.I))


def asks_short_answer(question: str) -> bool:
    """A question answered by a name, an amount or a day (see the module)."""
    return bool(asks_for_name(question) or asks_for_amount(question) or asks_for_day(question)
                or re.match(r"^\W*(?:who|whom)\b", question, re.I))


def _strip(question: str) -> str:
    text = _LEADING_CONTEXT.sub("", question.strip()).rstrip("?. ").strip()
    return text


_ASIDE = re.compile(r"^(?P<head>(?:who|whom|which|what)(?:\s+[\w-]+){0,3}?)\s*,[^,]{0,120},\s*", re.I)
_COPULA = re.compile(r"^(?P<wh>who|which(?:\s+[\w-]+){1,3}?|what(?:\s+[\w-]+){1,2}?)\s+(?P<rest>(?:is|was|are|were)\s+.+)$", re.I)


def claim_template(question: str) -> tuple[str, str] | None:
    """("... {} ...", premise) for a question asking for one thing, or None when it cannot be read.

    ``{}`` marks where the answer goes; the premise is the claim without it ("Apple did pay to
    acquire Beeper"): "How much did Apple pay to acquire Beeper" -> ("Apple did pay {} to acquire
    Beeper", "Apple did pay to acquire Beeper"); "Which team won the final" -> ("{} won the final",
    "won the final"); "Who is the individual that ..." -> ("{} is the individual that ...", ...)."""
    text = _strip(question)
    text = _ASIDE.sub(lambda m: m["head"] + " ", text)
    named = re.match(r"^what\s+(?:is|was)\s+the\s+name\s+of\s+(?P<rest>.+)$", text, re.I)
    if named:
        return "{} is " + named["rest"], ""
    copula = _COPULA.match(text)
    if copula:
        return "{} " + copula["rest"], ""
    inverted = _INVERTED.match(text)
    if inverted:
        wh, aux, rest = inverted["wh"].lower(), inverted["aux"], inverted["rest"]
        subject = _SUBJECT.match(rest)
        if subject:
            subj, verb, tail = subject["subj"].strip(), subject["verb"], subject["tail"].strip()
            premise = " ".join(x for x in (subj, aux, verb, tail) if x)
            if wh == "when":
                return " ".join(x for x in (subj, aux, verb, tail, "on {}") if x), premise
            words = tail.split()
            if words and words[0].lower() in _PREPOSITIONS and (
                    len(words) == 1 or words[1].lower() in _PREPOSITIONS or not words[1][0].islower()):
                filled = " ".join([subj, aux, verb, words[0], "{}", *words[1:]])
            else:
                filled = " ".join([subj, aux, verb, "{}", *words])
            return filled, premise
    direct = _DIRECT.match(text)
    if direct:
        return "{} " + direct["rest"], ""
    return None


@dataclass(frozen=True)
class Lead:
    text: str  # the short answer
    passage: Passage
    span: tuple[int, int]  # article offsets of the deciding sentence
    score: float
    subject: bool = False  # the deciding sentence names it first (it is what the sentence is about)


def _evidence(passage: Passage) -> tuple[str, int]:
    """The passage text with its headline in front (planted instructions blanked), and the headline's length."""
    text = without_instructions(passage.text)
    title = (passage.title or "").strip()
    head = f"{title}.\n" if title and not title.endswith((".", "!", "?")) else (f"{title}\n" if title else "")
    return head + text, len(head)


def judge(claim: str, passage: Passage, needs: str = "") -> tuple[Verdict, Passage, tuple[int, int]]:
    """The verdict on the claim from the passage (with its headline), and the deciding sentence as
    (passage, article offsets): the headline's own passage (``cite.headline_passage``) when it decides. ``needs``: a name
    the deciding sentences must write (the candidate answer), else the verdict is not supported."""
    evidence, head = _evidence(passage)
    allowed = set()
    for number in metadata_numbers(passage):
        try:
            allowed.add(float(number))
        except ValueError:
            pass
    verdict = verify(claim, evidence, allowed_numbers=allowed)
    if needs and verdict.supported and not any(_mentions(evidence[s:e], needs) for s, e in verdict.spans):
        verdict = Verdict(False, min(verdict.score, 0.49), "not enough info", f"the deciding sentence does not name {needs}",
                          verdict.spans)
    first = verdict.spans[0] if verdict.spans else None
    if first is not None and first[0] < head and (headline := headline_passage(passage)) is not None:
        return verdict, headline, (0, len(headline.text))  # the headline decides: it is quoted
    spans = [(max(s - head, 0), e - head) for s, e in verdict.spans if e > head]
    start, end = spans[0] if spans else next(iter(split_sentences(passage.text)), (0, len(passage.text)))
    return verdict, passage, (passage.start + start, passage.start + end)


def _mentions(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def without_asked_title(phrase: str, asked: set[str]) -> str:
    """The phrase less the leading words the question already gives, when a full name (two words or
    more) remains: asked "Who is the NATO Secretary-General?", "NATO Secretary-General Jens
    Stoltenberg" stands for "Jens Stoltenberg"; asked about Beeper, "Beeper Mini" stays whole (and is
    then no candidate), not "Mini"."""
    words = phrase.split()
    while words and fold(words[0]) in asked:
        words = words[1:]
    return " ".join(words) if len(words) >= 2 else phrase


def name_candidates(question: str, passages: Sequence[Passage]) -> list[str]:
    """Name phrases of the passages, the longest of each family (same last word, one inside the
    other), less those sharing a word with a name in the question or naming an outlet; the most
    mentioned (by articles, then mentions) first. For "Who", a single word that is part of a longer
    name ("Sam" of "Sam Altman"), or in capitals ("CEO"), is no candidate of its own."""
    kind = asks_for_name(question)
    asked = {word for phrase in name_phrases(question) for word in fold(phrase).split()}
    outlets = [set(fold(source).split()) for source in sorted({p.source for p in passages if p.source})]
    articles: dict[str, set[str]] = {}
    mentions: Counter[str] = Counter()
    for passage in passages:
        # a headline's title case runs words together ("Soccer Team Lured Emma Hayes"): its long runs
        # stand for their last two words, where the name mostly is
        headline = [" ".join(p.split()[-2:]) if len(p.split()) > 3 else p for p in name_phrases(passage.title or "")]
        for phrase in map(lambda p: without_asked_title(p, asked), headline + name_phrases(passage.text)):
            words = fold(phrase).split()
            if not words or asked.intersection(words) or any(o.issuperset(words) for o in outlets):
                continue
            articles.setdefault(phrase, set()).add(passage.doc_id)
            mentions[phrase] += 1
    phrases = sorted(articles, key=lambda p: (-len(articles[p]), -mentions[p], -len(p.split()), p))
    kept: list[str] = []
    for phrase in phrases:
        family = next((k for k in kept if k.split()[-1] == phrase.split()[-1] and (phrase in k or k in phrase)), None)
        if family is None:
            kept.append(phrase)
        elif len(phrase) > len(family):
            kept[kept.index(family)] = phrase
    if kind == "person":  # "Sam" is a part of "Sam Altman", and "CEO" or "FTX" no person's name
        longer = [k.split() for k in kept if len(k.split()) > 1]
        kept = [k for k in kept if len(k.split()) > 1 or not (k.isupper() or any(k in words for words in longer))]
    return kept


def value_candidates(question: str, passages: Sequence[Passage]) -> list[str]:
    """Amounts ("How much / many") or days ("When") written in the passages, in passage order,
    less those the question itself writes."""
    found: list[str] = []
    for passage in passages:
        text = f"{passage.title}. {passage.text}"
        if asks_for_day(question):
            values = [m.group() for pattern in DAY_PATTERNS for m in pattern.finditer(text)]
        else:
            values = [m.group().strip() for m in _AMOUNT.finditer(text)]
        for value in values:
            if value not in found and value not in question:
                found.append(value)
    return found


_SPLIT = re.compile(
    r",?\s+and\s+(?:also\s+)?(?=(?:is|was|has|had|have|are|were|also|recently|then|now|faced|made|the same|"
    r"[a-z]+ed)\b)|,\s+(?:and\s+)?(?:who|which|whose|that|and)\s+|;\s*|,\s+(?=(?:is|was|has|had|[a-z]+ed)\s)", re.I)
MAX_PARTS = 3


def split_claim(pattern: str) -> list[str]:
    """A multi-part claim ("{} faced home defeats to Ireland, aimed to ..., and was featured in ...")
    as its parts, each about the answer ("{} faced home defeats to Ireland", "{} aimed to ...")."""
    head, _, rest = pattern.partition("{}")
    if head.strip():  # "Apple did pay {} to ...": one claim
        return [pattern]
    pieces = [p.strip(" ,") for p in _SPLIT.split(rest) if p and len(p.split()) >= 2]
    return ["{} " + p for p in pieces[:MAX_PARTS]] or [pattern]


def precompute_claims(claims: list[str]) -> None:
    """Embed the claims in one batch (the verifier embeds one claim per call otherwise)."""
    try:
        from assistant.verifier import shared_embeddings

        shared_embeddings().precompute(claims)
    except (ImportError, OSError, RuntimeError):  # no embedding model: the verifier judges without cosines
        pass


def _names_first(sentence: str, candidate: str) -> bool:
    """Whether the candidate is the first name the sentence writes (what it is about, mostly)."""
    names = name_phrases(sentence)
    return bool(names) and _mentions(names[0], _key(candidate))


def _key(candidate: str) -> str:
    """How a text names the candidate: a name of two words up by its last word ("Bankman-Fried")."""
    last = candidate.split()[-1]
    return last if len(candidate.split()) > 1 and len(last) > 3 and last[0].isupper() else candidate


def _holding(candidate: str, passages: Sequence[Passage], limit: int | None = MAX_EVIDENCE) -> list[Passage]:
    """The passages that name the candidate (``_key``), the first ``limit``."""
    found = [p for p in passages if p.field == "text" and _mentions(f"{p.title}. {p.text}", _key(candidate))]
    return found[:limit] if limit else found


def best_lead(question: str, passages: Sequence[Passage], quotes: Sequence[str] = ()) -> tuple[Lead | None, str, Verdict | None] | None:
    """(the supported short answer or None, the question's premise, the premise's best verdict).

    Each candidate is judged on every part of the question's claim (``split_claim``), each part
    against the passages that name it; it stands when the verifier supports at least half of the
    parts (and one), and the candidate with the most supported parts, then the highest mean score,
    leads. None when the question asks for no short answer; (None, "", None) when it cannot be read."""
    if not asks_short_answer(question):
        return None
    template = claim_template(question)
    if template is None:
        return None, "", None
    pattern, premise = template
    if asks_for_amount(question) or asks_for_day(question):
        candidates = value_candidates(question, passages)
    else:
        candidates = name_candidates(question, passages)
    claims = split_claim(pattern)
    single = len(claims) == 1
    # one claim: what the quoted sentences (the answer's best sentences for it) name comes first
    quoted_first = [c for c in candidates if single and any(c in q or _mentions(q, _key(c)) for q in quotes)]
    candidates = (quoted_first + [c for c in candidates if c not in quoted_first])[:MAX_CANDIDATES]
    values = asks_for_amount(question) or asks_for_day(question)

    def holding(candidate: str, limit: int | None = MAX_EVIDENCE) -> list[Passage]:
        if values:
            found = [p for p in passages if p.field == "text" and candidate in f"{p.title}. {p.text}"]
            return found[:limit] if limit else found
        return _holding(candidate, passages, limit)

    # most agreed first (articles naming it): the verifier scores the candidates of one question alike
    # too often to rank them alone, so it decides among the most agreed, and gates the lead
    articles = {c: len({p.doc_id for p in holding(c, None)}) for c in candidates}
    ordered = sorted((c for c in candidates if articles[c]), key=lambda c: (c not in quoted_first, -articles[c]))
    precompute_claims([claim.format(c) for c in ordered[:2] for claim in claims])
    best: tuple[tuple[int, int, float], Lead] | None = None
    for candidate in ordered:
        if best is not None and not single and articles[candidate] < articles[best[1].text]:
            break
        scores, decided, subjects = [], None, 0
        for claim in claims:
            evidence = [p for p in holding(candidate) if not unmentioned_names(claim.format(""), [p], every_word=True)]
            if not evidence:  # no passage naming the candidate names what the claim does ("Beeper")
                scores.append(0.0)
                continue
            judged = [judge(claim.format(candidate), p, _key(candidate)) for p in evidence]
            verdict, passage, span = max(judged, key=lambda item: item[0].score)
            scores.append(verdict.score)
            if verdict.supported:
                subject = _names_first(passage.text[span[0] - passage.start: span[1] - passage.start], candidate)
                subjects += subject
                if decided is None or (subject, verdict.score) > (decided.subject, decided.score):
                    decided = Lead(candidate, passage, span, verdict.score, subject)
        supported = sum(score >= LEAD_FROM for score in scores)
        # one claim: its deciding sentence is about one event, whose subject answers it; several parts:
        # the parts' articles agree on the answer (the most agreed were judged first)
        rank = (supported, subjects, sum(scores) / len(scores))
        if decided is not None and (best is None or rank > best[0]):
            best = (rank, decided)
        if best is None and not single and candidate == ordered[0] and len(ordered) > 1 \
                and articles[ordered[1]] < articles[candidate]:
            break  # the most agreed answer is not supported: no runner-up leads instead
    premise_verdict = None
    if best is None and premise:
        for passage in [p for p in passages if p.field == "text"][:MAX_EVIDENCE]:
            verdict, _, _ = judge(premise, passage)
            if premise_verdict is None or verdict.score > premise_verdict.score:
                premise_verdict = verdict
    return (best[1] if best else None), premise, premise_verdict
