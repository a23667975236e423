"""Yes/No questions for the extractive answerer: judged part by part with the claim verifier.

"Does the TechCrunch article suggest X, while The Verge reports Y?", "Did Polygon report ... before
Engadget reported ...?", "Is the Sporting News report ... consistent with the ESPN one?", "Did Apple
acquire Beeper?". The question is cut into parts, one per report it names (``claim_parts``: its
outlets, with the dates written after each, read by ``assistant.query``), and each part is read as
a claim: the words said of that report, less outlet and date mentions, the reporting words
around them ("the article from ... suggests that") and the relation asked about ("is there
consistency in", "remained consistent or inconsistent"); reports joined by "and" ("the A and B
articles both say X") share what follows, and a report named after another's stretch is said only
what follows the last cut (", and the ..."). Each claim is checked by
``assistant.verifier.verify`` against the retrieved articles the part admits (its outlet and days,
each article read with its headline); the best verdict and its deciding sentence are kept and cited.

The answer, first word first (``decide``):
- a part with no article it admits (an outlet the question names that no retrieved article is
  from, too): "Not sure", and what is missing, never a guess;
- a claim the verifier finds contradicted, or one a named report's own article scores below
  ``NO_BELOW`` on: "No" (an either-or question: its second option);
- every claim supported (``YES_FROM``, the verifier's own threshold; for two or more named
  reports, each found, ``PARTS_YES_FROM``): "Yes" (or the first option); in between, or not found
  in an archive the question names no report of: "Not sure";
- a claim that one side lost to another, whose article plainly has that side winning: "No"
  (``assistant.answerers.relations``);
- "before"/"after" between two reports: the cited articles' publication dates decide.
Every part's evidence follows, cited, in question order.

The verifier judges what a report says; it cannot judge whether two reports' "narratives" changed
or stayed consistent. For such relation questions, reports that are found and whose descriptions
hold count as the relation the question asks about (a change, a consistency), and a negated
relation ("was there no change", "inconsistent") is then answered No. That reads the question's
framing, not the articles, and the answer says it judged what each report says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assistant.cite import attach_markers, make_citation
from assistant.answerers.candidates import judge, precompute_claims
from assistant.answerers.relations import beats_in, opposite_claim
from assistant.hedges import NOT_SURE, quoted
from assistant.query import content_words, find_dates, find_outlets, outlet_aliases, part_admits
from ingest.dates import DATE_SLACK
from assistant.types import Citation
from assistant.verifier import CONTRADICTED, Verdict
from ingest.types import Passage

AUX = "did|does|do|is|was|were|are|has|have|had|will|would|can|could|should"
_OPENS_AUX = re.compile(rf"^\W*(?:{AUX})\b", re.I)
# "True or false: <statement>" (quiz style): the statement is the claim; the answer is True or False
_TRUE_OR_FALSE = re.compile(r"^\W*true\s+or\s+false\b[\s:,.?!-]*", re.I)
_WH = re.compile(r"^\W*(?:who|whom|whose|what|which|when|where|why|how)\b", re.I)
# "Between A and B, is there ...", "After X reported '...,' did Y ...", "According to Z, has ..."
_CLAUSE_AUX = re.compile(
    rf",[\"'’”]?\s+(?:and\s+|then\s+)?(?P<aux>{AUX})\s+(?:there|the|this|these|those|it|they|both|its|their|his|her|"
    r"[A-Z\"'‘“])", re.I,
)
_WH_CLAUSE = re.compile(r"(?:^|,\s*)(?:who|whom|whose|what|which|where|when|how)\b", re.I)
_CHOICE = re.compile(
    r"\b(?P<a>consistent|consistency|agree|similar|the same|a change|change)\s+or\s+"
    r"(?P<b>inconsistent|inconsistency|disagree|different|consistency|consistent|a change|change)\b", re.I,
)
# "... before Y reported ...", "... before Z's story was published": the order of two reports, not of events
_ORDER = re.compile(r"\b(?P<w>before|after|earlier than|later than|prior to)\b[^?]{0,120}?"
                    r"\b(?:reported|published|was reported|were reported|wrote|covered|ran|did)\b", re.I)
_RELATION = re.compile(r"\b(?:chang\w*|shift\w*|consisten\w*|inconsisten\w*|similar\w*|same|agree\w*|disagree\w*)\b", re.I)
_NEGATED_RELATION = re.compile(
    r"\b(?:no\s+(?:change|shift|difference)|not\s+(?:change|consistent|the same|similar)|inconsisten\w*|disagree\w*)\b",
    re.I,
)
_META = re.compile(
    r"\b(?:(?:the|a|an|another|this|that|its)\s+)?(?:(?:second|first|other|subsequent|later|earlier|latest|recent)\s+)?"
    r"(?:news\s+)?(?:articles?|reports?|pieces?|stor(?:y|ies)|coverage|reviews?|news source)(?:['’]s?)?"
    r"(?:\s+(?:claims?|reporting|discussing|covering|regarding|concerning|about))?"
    r"(?:\s+(?:from|by|in|of|published|on|about))?\b"
    r"|\b(?:suggests?|suggested|claims?|claimed|reports?|reported|indicates?|indicated|mentions?|mentioned|"
    r"discuss(?:es|ed)?|states?|stated|says?|said|alleges?|alleged|impl(?:y|ies|ied)|asserts?|highlights?|"
    r"highlighted|notes?|noted|confirms?|attributes?|portrays?|portrayed|specif(?:y|ies)|focus(?:es)? on)"
    r"(?:\s+that)?\b"
    r"|\b(?:reporting on|published|as reported by|according to|reported by|while|whereas|but|respectively)\b",
    re.I,
)
_EDGE_WORDS = re.compile(rf"^(?:\W|\b(?:{AUX}|and|or|the|that|on|in|by|from|with|both|also|however|of|between|after|before|"
                         r"regarding|concerning|discussing|covering|involving|about|there|one)\b)+"
                         rf"|(?:\W|\b(?:{AUX}|and|or|the|that|on|in|by|from|with|both|also|of|to|as|than|how)\b)+$", re.I)
MAX_PASSAGES_PER_PART = 3
# A named report's own article whose best verdict scores below this does not say what the
# question says it does: "No". Between it and support (0.5): not sure.
NO_BELOW = 0.375
YES_FROM = 0.5
# Two or more named reports, each found and each close to saying its part (the question paraphrases
# each report in its own words, so the verifier scores them a little under its own threshold): Yes.
PARTS_YES_FROM = 0.42


def asks_yes_no(question: str) -> bool:
    """A question answered Yes or No: it opens with an auxiliary ("Did", "Is", "Has" ...), or a
    clause after a comma does ("Between A and B, is there ..."), and it is no Wh-question; or it
    opens "True or false:"."""
    if _TRUE_OR_FALSE.match(question):
        return True
    if _WH.match(question):
        return False
    if _OPENS_AUX.match(question):
        return True
    match = _CLAUSE_AUX.search(question)  # "Considering A and B, which network ..., did X ...?" asks for a name
    return bool(match) and not _WH_CLAUSE.search(question[: match.start() + 1])


def main_clause(question: str) -> tuple[str, bool]:
    """The clause that asks (after "Between A and B," when it opens so) and whether the question
    opens with it. A "True or false:" statement is all one clause."""
    if match := _TRUE_OR_FALSE.match(question):
        return question[match.end():], True
    if _OPENS_AUX.match(question):
        return question, True
    match = _CLAUSE_AUX.search(question)
    return (question[match.start("aux"):], False) if match else (question, True)


@dataclass(frozen=True)
class Reading:
    """What the question asks, as the answer logic needs it."""

    order: str | None  # "before" / "after" when the question asks which report came first
    relation: bool  # asks whether reports changed / stayed consistent / agree
    negated: bool  # asks for the absence of that relation ("no change", "inconsistent")
    options: tuple[str, str] | None  # an either-or question's two answers ("Consistent", "Inconsistent")


def read_question(question: str) -> Reading:
    clause, opens = main_clause(question)
    order = None
    if opens:
        match = _ORDER.search(clause)
        if match and match.start() > 0:
            word = match.group("w").lower()
            order = "before" if word in ("before", "earlier than", "prior to", "preceding") else "after"
    choice = _CHOICE.search(clause)
    options = ("True", "False") if _TRUE_OR_FALSE.match(question) else None
    if choice and options is None:
        a, b = choice.group("a"), choice.group("b")
        options = (a.removeprefix("a ").capitalize(), b.removeprefix("a ").capitalize())
    relation = bool(_RELATION.search(clause)) and order is None
    negated = relation and not choice and bool(_NEGATED_RELATION.search(clause))
    return Reading(order, relation, negated, options)


_CUT_AFTER = re.compile(
    r",?\s+and\s+(?:the|a|an|another|again|then)\b|,?\s*\b(?:while|whereas|but|unlike|as opposed to|compared (?:to|with)|"
    r"than|similar to|in a similar (?:capacity|way|manner|fashion) (?:to|as)|(?:in)?consistent with|the same as|"
    r"different from|with the former|with one|or do|or does|or did|or is|or are)\b|;", re.I,
)
_OUTLET_REF = re.compile(
    r"\b(?:the|an?)\s+['‘\"“](?P<name>[A-Z][^'’\"”]{1,60})['’\"”]\s+(?:article|report|piece|story|review)s?\b"
    r"|\b(?:article|report|piece|story|review)s?\s+(?:from|by|in)\s+['‘\"“]?(?P<name2>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})")
# The relation asked about is no report's claim: "is there consistency in X" -> "X"
_RELATION_WORDS = re.compile(
    r"\b(?:(?:is|was|has)\s+there\s+(?:been\s+)?(?:a\s+|any\s+)?(?:consistency|change|shift|difference)\s+in\b"
    r"|(?:(?:has|have)\s+)?(?:remained|remain|stayed|stay|been)?\s*(?:consistent|inconsistent)"
    r"(?:\s+or\s+(?:consistent|inconsistent))?(?:\s+with\b)?)", re.I,
)
_CUT_ORDER = re.compile(r"\b(?:before|after|earlier than|later than|prior to)\b", re.I)


def clean_claim(text: str, sources: Sequence[str]) -> str:
    """A piece of the question as a claim: outlet and date mentions, quotes and the reporting words
    around them gone ("the article from Fortune claim that X" -> "X")."""
    for mention in sorted(find_outlets(text, outlet_aliases(tuple(sources))), key=lambda m: -m.start):
        text = text[: mention.start] + " " + text[mention.end :]
    for mention in sorted(find_dates(text), key=lambda m: -m.start):
        text = text[: mention.start] + " " + text[mention.end :]
    text = re.sub(r"(?<!\w)['‘\"“”]|['’\"“”](?!\w)", " ", text)
    text = re.sub(r"\?", " ", text)
    text = _META.sub(" ", text)
    text = _RELATION_WORDS.sub(" ", text)
    text = re.sub(r"\s+([,.;:])", r"\1", " ".join(text.split()))
    text = re.sub(r"(?:,\s*){2,}", ", ", text)
    previous = None
    while previous != text:
        previous = text
        text = _EDGE_WORDS.sub("", text).strip()
    return text


@dataclass(frozen=True)
class ClaimPart:
    """One report the question names (its outlet and days; none: any article) and what it says of it."""

    claim: str
    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    def admits(self, passage: Passage) -> bool:
        return part_admits(passage, self.sources, self.since, self.until)


def claim_parts(question: str, passages: Sequence[Passage]) -> list[ClaimPart]:
    """The question's parts: one per outlet mention (and per date in its stretch of the question),
    each with the words said of that outlet: those after its mention up to the next mention (cut at
    "while", "and the", "than" ...), or those before it when nothing is said after. The asking
    clause of a question opening "Between A and B, ..." is no part's claim. No outlet: one part per
    date, or one part for the whole question."""
    sources = sorted({p.source for p in passages if p.source})
    days = sorted(d for p in passages if (d := _iso(p.published_at)))
    first, last = (days[0], days[-1]) if days else (None, None)
    clause, opens = main_clause(question)
    question = clause if opens else question  # "True or false: X" -> "X"
    body = question if opens else question[: len(question) - len(clause)]
    outlets = find_outlets(body, outlet_aliases(tuple(sources)))
    dates = find_dates(body, first, last)
    parts: list[ClaimPart] = []

    def window(since, until) -> tuple[str | None, str | None]:
        return ((since - DATE_SLACK).isoformat() if since else None, (until + DATE_SLACK).isoformat() if until else None)

    unknown = unknown_outlets(body, sources)
    if not outlets:
        claim = clean_claim(clause if not opens else question, sources)
        if unknown:  # "the 'Yardbarker' article" with no Yardbarker article retrieved: that part is missing
            return [ClaimPart(claim, (name,)) for name in unknown]
        for mention in dates or [None]:
            since, until = window(mention.since, mention.until) if mention else (None, None)
            parts.append(ClaimPart(claim, (), since, until))
        return parts
    order = read_question(question).order is not None
    owner = [max([i for i, m in enumerate(outlets) if m.start < d.start] or [0]) for d in dates]
    afters = []
    for i, mention in enumerate(outlets):
        high = outlets[i + 1].start if i + 1 < len(outlets) else len(body)
        after = body[mention.end:high]
        cut = _CUT_AFTER.search(after)
        if order and (stop := _CUT_ORDER.search(after)) and (cut is None or stop.start() < cut.start()):
            cut = stop
        afters.append((after, clean_claim(after[: cut.start()] if cut else after, sources)))
    for i, mention in enumerate(outlets):
        low = outlets[i - 1].end if i else 0
        after, after_claim = afters[i]
        if content_words(after_claim) < 2 and i + 1 < len(afters) and _JOINED.match(after):
            after_claim = afters[i + 1][1]  # "the A and the B article both say X": X is said of A too
        before_claim = clean_claim(_last_clause(body[low:mention.start]) if i else body[low:mention.start], sources)
        claim = after_claim if content_words(after_claim) >= 2 else before_claim
        if content_words(claim) < 2:
            claim = clean_claim(clause, sources) if not opens else clean_claim(body, sources)
        spans = [(d.since, d.until) for d, j in zip(dates, owner) if j == i] or [(None, None)]
        for since, until in spans:
            part = ClaimPart(claim, mention.sources, *window(since, until))
            if part not in parts:
                parts.append(part)
    for name in unknown:
        start = body.find(name)
        after = body[start + len(name):]
        cut = _CUT_AFTER.search(after)
        parts.append(ClaimPart(clean_claim(after[: cut.start()] if cut else after, sources) or name, (name,)))
    return parts


_JOINED = re.compile(r"^\W*(?:(?:articles?|reports?|pieces?|stor(?:y|ies))\s+)?(?:and|&)\b", re.I)


def _last_clause(text: str) -> str:
    """What is said of a report named after another's stretch: the words after the last cut
    ("on X published on ..., and the Y suit reported by" -> "Y suit reported by")."""
    cuts = list(_CUT_AFTER.finditer(text))
    return text[cuts[-1].end():] if cuts and content_words(text[cuts[-1].end():]) >= 2 else text


def unknown_outlets(question: str, sources: Sequence[str]) -> list[str]:
    """Outlets the question names as a report's ("the 'Yardbarker' article", "a report from Reuters")
    that are none of the retrieved passages' outlets: a part with no article."""
    aliases = outlet_aliases(tuple(sources))
    found = []
    for match in _OUTLET_REF.finditer(question):
        name = (match["name"] or match["name2"] or "").strip()
        if name and not find_outlets(name, aliases) and name not in found:
            found.append(name)
    return found


def _iso(value: str):
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass
class PartVerdict:
    claim: str
    passage: Passage | None  # the article passage that decided, None when the part admits none
    span: tuple[int, int] | None  # article offsets of the deciding sentence(s)
    verdict: Verdict | None
    sources: tuple[str, ...] = ()  # the outlets the part names

    @property
    def found(self) -> bool:
        return self.passage is not None and self.verdict is not None


def judge_claim(claim: str, passage: Passage) -> tuple[Verdict, Passage, tuple[int, int]]:
    """The verifier's verdict on the claim from one passage read with its article's headline, and
    the deciding sentence as (passage, article offsets): ``candidates.judge``, which short answers use too."""
    return judge(claim, passage)


def judge_parts(parts: Sequence[ClaimPart], passages: Sequence[Passage]) -> list[PartVerdict]:
    """Each part's best verdict over the (first ``MAX_PASSAGES_PER_PART``) passages it admits,
    preferring an article no earlier part cited when it is about as good."""
    precompute_claims([part.claim for part in parts])
    used: set[str] = set()
    results: list[PartVerdict] = []
    for part in parts:
        claim = part.claim
        admitted = [p for p in passages if p.field == "text" and part.admits(p)][:MAX_PASSAGES_PER_PART]
        judged = [(judge_claim(claim, p), p) for p in admitted]
        if not judged:
            results.append(PartVerdict(claim, None, None, None, part.sources))
            continue

        def key(item):
            (verdict, _, _), passage = item
            return verdict.score - (0.1 if passage.doc_id in used else 0.0)

        (verdict, passage, span), _ = max(judged, key=key)
        if (turned := _opposite(claim, verdict, admitted)) is not None:  # "A lost to B" when B lost
            verdict, passage, span = turned
        used.add(passage.doc_id)
        results.append(PartVerdict(claim, passage, span, verdict, part.sources))
    return results


def _opposite(claim: str, verdict: Verdict, admitted: Sequence[Passage]):
    """A contradicted verdict with its deciding passage and span when an admitted article plainly
    says the claim's opposite ("A lost to B": "A ... beat B", see ``assistant.answerers.relations``),
    else None. The verifier's own score for the opposite does not decide: it is blind to who did what
    to whom ("B beat A" scores as well as "A beat B")."""
    opposite = opposite_claim(claim)
    if opposite is None:
        return None
    for passage in admitted:
        if beats_in(claim, f"{passage.title or ''}. {passage.text}"):
            against, at, where = judge_claim(opposite, passage)
            score = min(verdict.score, 1 - YES_FROM)
            return Verdict(False, score, CONTRADICTED, f"the article says {opposite}", against.spans), at, where
    return None


def _day(passage: Passage) -> str:
    return (passage.published_at or "")[:10]


def _label(passage: Passage) -> str:
    day = _day(passage)
    return f"{passage.source or 'An article'}{f' ({day})' if day else ''}"


@dataclass
class YesNoAnswer:
    text: str
    citations: list[Citation]
    decided: str  # "yes" | "no" | "unsure"


def decide(reading: Reading, judged: list[PartVerdict], named: bool) -> tuple[str, str]:
    """("yes" | "no" | "unsure", why) from the parts' verdicts (see the module). ``named``: the parts
    name reports (outlets or dates), whose own articles not saying a thing is a No; about the
    archive at large, not finding a thing is only unsure."""
    if not judged or any(not p.found for p in judged):
        return "unsure", "missing"
    verdicts = [p.verdict for p in judged if p.verdict is not None]
    lowest = min(v.score for v in verdicts)
    if any(v.label == CONTRADICTED for v in verdicts):
        return "no", "contradicted"
    if reading.order and len(judged) >= 2:
        if lowest < NO_BELOW:
            return "unsure", "weak"
        first, second = _day(judged[0].passage), _day(judged[-1].passage)
        if not first or not second or first == second:
            return "unsure", "same-day"
        earlier = first < second
        return ("yes" if earlier == (reading.order == "before") else "no"), "dates"
    if reading.relation or reading.options:
        if lowest < NO_BELOW:
            return "unsure", "weak"
        return ("no", "relation") if reading.negated else ("yes", "supported")
    if lowest >= YES_FROM or (named and len(judged) >= 2 and lowest >= PARTS_YES_FROM):
        return "yes", "supported"
    if named and lowest < NO_BELOW:
        return "no", "unsupported"
    return "unsure", "weak"


def answer_yes_no(question: str, passages: Sequence[Passage]) -> YesNoAnswer:
    """The Yes/No/Not sure answer with one cited sentence per part (see the module)."""
    reading = read_question(question)
    parts = claim_parts(question, passages)
    named = any(part.sources or part.since or part.until for part in parts)
    judged = judge_parts(parts, passages)
    decided, why = decide(reading, judged, named)
    citations: list[Citation] = []
    lines: list[str] = []
    seen: dict[tuple[str, int, int], int] = {}
    for part in judged:
        if not part.found:
            continue
        key = (part.passage.doc_id, *part.span)
        if key not in seen:
            citation = make_citation(len(citations) + 1, part.passage, *part.span)
            citations.append(citation)
            seen[key] = citation.n
            lines.append(f"{_label(part.passage)}: {quoted(citation.quote)} [{citation.n}]")
    lead = _lead(reading, decided, why, judged)
    if decided != "unsure" and citations:
        lead = attach_markers(lead, [c.n for c in citations])
    return YesNoAnswer(" ".join([lead, *lines]).strip(), citations, decided)


def _lead(reading: Reading, decided: str, why: str, judged: list[PartVerdict]) -> str:
    if decided == "unsure":
        missing = [p for p in judged if not p.found]
        if missing:
            what = "; ".join(f"“{p.claim}”" for p in missing[:2])
            outlet = missing[0].sources[0] if len(missing[0].sources) == 1 else ""
            return f"{NOT_SURE}: I found no {outlet + ' ' if outlet else ''}article in the archive for {what}."
        if why == "same-day":
            return f"{NOT_SURE}: both reports are dated the same day, so I cannot tell which came first."
        weakest = min(judged, key=lambda p: p.verdict.score if p.verdict else 0.0)
        where = f"{weakest.passage.source}'s article" if weakest.passage and weakest.passage.source else "the archive"
        return f"{NOT_SURE}: {where} does not clearly say that {weakest.claim}; the closest it has:"
    yes = decided == "yes"
    word = (reading.options[0] if yes else reading.options[1]) if reading.options else ("Yes" if yes else "No")
    if why == "dates":
        days = " and ".join(_day(p.passage) for p in (judged[0], judged[-1]))
        return f"{word}: the reports are dated {days}."
    if why == "contradicted":
        against = next(p for p in judged if p.verdict is not None and p.verdict.label == CONTRADICTED)
        return f"{word}: {_label(against.passage)} says otherwise about “{against.claim}”."
    if why == "unsupported":
        weak = next(p for p in judged if p.verdict is not None and p.verdict.score < NO_BELOW)
        return f"{word}: {_label(weak.passage)} does not say that {weak.claim}."
    if why == "relation":
        return f"{word}: each report says what the question describes, so I read no such relation between them."
    if len(judged) == 1:
        return f"{word}: {_label(judged[0].passage)} says so."
    return f"{word}: the reports say what the question describes."
