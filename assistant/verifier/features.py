"""The feature vector of a (claim, evidence) pair, and the structured checks behind it.

``analyse(claim, evidence, embeddings)`` finds the deciding sentences (``select.rank``), runs the
checks (numbers and dates, negation scope, antonyms, names, who-did-what-to-whom) against them,
and returns an ``Analysis`` whose ``features`` feed the learned model (``model.py``).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

import numpy as np

from assistant.verifier import entities, numbers, polarity
from assistant.verifier.select import Candidate, Document, Embeddings, document, rank

FEATURES = (
    "cov_best", "plain_best", "cov_doc", "cov_top", "novel_doc", "novel_best", "n_stems",
    "bigram_best", "bigram_doc", "ordered_best", "longest_run",
    "num_claim", "num_missing_doc", "num_missing_best", "date_conflict",
    "names_claim", "names_missing_doc", "names_missing_best",
    "neg_conflict", "neg_mismatch", "antonym", "swap", "verbatim", "log_sentences", "log_claim_words",
    "cos_best", "cos_max", "cos_gap", "clause_min_cov", "substituted", "title_conflict", "place_missing",
    "actor_conflict", "ordinal_conflict",
)
CLAUSE_MIN_COVERAGE = 0.34
# "unrelated content": the claim's content words (names aside) are mostly absent from the deciding
# window AND its MiniLM cosine with the evidence is low ("Hungary will build a stadium on the moon"
# against an article that names Hungary for something else); without cosines, none may be present.
# Or the claim names someone the evidence never gives and its cosine is very low ("Orban flew there
# on Monday" against an article on Hungary's budget published on Monday)
UNRELATED_SHARE = 0.41
UNRELATED_COSINE = 0.5
UNRELATED_SHARE_NO_COSINE = 0.01
UNRELATED_NAME_COSINE = 0.4  # or: a name the whole evidence never gives, and a cosine below this
CE_FEATURE = "ce_logit"  # the cross-encoder's logit on the deciding sentences (crossenc.py), when used


@dataclass
class Analysis:
    features: dict[str, float]
    spans: list[tuple[int, int]]  # the deciding sentences, offsets into the evidence
    window: str  # their text
    verbatim: bool
    missing_numbers: list[float] = field(default_factory=list)
    date_conflicts: list[tuple[int, int]] = field(default_factory=list)
    polarity: set[str] = field(default_factory=set)
    negation_mismatch: bool = False
    antonyms: list[tuple[str, str]] = field(default_factory=list)
    missing_names: list[str] = field(default_factory=list)
    swap: tuple[str, str] | None = None
    novel: list[str] = field(default_factory=list)
    substituted: list[tuple[str, str]] = field(default_factory=list)
    added_clause: str | None = None
    titles: list[tuple[str, str]] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    actor: tuple[str, str] | None = None
    ordinals: list[tuple[str, str]] = field(default_factory=list)
    unrelated: bool = False  # content words mostly absent from the window and a low cosine with it

    def vector(self, names: tuple[str, ...] = FEATURES) -> np.ndarray:
        return np.array([self.features.get(n, 0.0) for n in names], dtype=np.float64)


_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


def normalise(text: str) -> str:
    return _WS.sub(" ", text.translate(_QUOTES)).strip().lower()


def is_verbatim(claim: str, evidence: str, normalised: str | None = None) -> bool:
    """The claim (less its end punctuation and quotes) is a substring of the evidence."""
    core = normalise(claim).strip(" .!?\"'")
    return len(core) >= 8 and core in (normalise(evidence) if normalised is None else normalised)


def indexed(doc: Document) -> dict:
    """What the checks read from the whole evidence, computed once per evidence text (cached with
    its split by ``select.document``): values, dates, name keys, titles, stem bigrams, folded text."""
    memo = doc.memo
    if not memo:
        text = doc.text
        memo["values"] = numbers.quantities(text, ordinal_words=True)
        memo["dates"] = numbers.dates(text)
        memo["keys"] = entities.evidence_keys(text)
        memo["titles"] = entities.titles(text)
        memo["proper"] = entities.proper_keys(text)
        memo["normalised"] = normalise(text)
        memo["bigrams"] = set().union(*(_bigrams(_content_sequence(doc.sentence(i))) for i in range(len(doc.spans))))
    return memo


def index_evidence(evidence: str) -> None:
    """Split and index an evidence text ahead (at ingest, or before timing a claim)."""
    indexed(document(evidence))


def _content_sequence(text: str) -> list[str]:
    return [polarity.stem(t) for t in polarity.tokens(text)
            if t.isalpha() and t not in polarity._FUNCTION and len(t) > 1]


def _bigrams(seq: list[str]) -> set[tuple[str, str]]:
    return set(zip(seq, seq[1:]))


def _window(doc: Document, cand: Candidate) -> tuple[str, list[tuple[int, int]]]:
    spans = doc.spans[cand.first : cand.last + 1]
    return doc.text[spans[0][0] : spans[-1][1]], list(spans)


def analyse(claim: str, evidence: str, embeddings: Embeddings | None = None,
            allowed_numbers: set[float] = frozenset(), crossencoder: bool = False) -> Analysis:
    doc = document(evidence)
    memo = indexed(doc)
    claim_stems = polarity.content_stems(claim)
    cands = rank(doc, claim_stems, top=5)
    cand_sims: list[float] = []
    cv = None
    if embeddings is not None:  # re-rank the lexical candidates by meaning too
        cv = embeddings.claim_vector(claim)
        vecs = embeddings.vectors([_window(doc, c)[0] for c in cands])
        cand_sims = [float(s) for s in vecs @ cv]
        order = sorted(range(len(cands)), key=lambda i: -(cand_sims[i] + 0.5 * cands[i].coverage))
        cands, cand_sims = [cands[i] for i in order], [cand_sims[i] for i in order]
    best = cands[0]
    window, spans = _window(doc, best)
    top_stems = set().union(*(doc.stems[i] for c in cands for i in range(c.first, c.last + 1)))
    n = max(1, len(claim_stems))
    novel = sorted(claim_stems - doc.all_stems)
    window_stems = polarity.content_stems(window)
    f: dict[str, float] = {}
    f["cov_best"] = best.coverage
    f["plain_best"] = best.plain
    f["cov_doc"] = len(claim_stems & doc.all_stems) / n if claim_stems else 0.0
    f["cov_top"] = len(claim_stems & top_stems) / n if claim_stems else 0.0
    f["novel_doc"] = math.log1p(len(novel))
    f["novel_best"] = math.log1p(len(claim_stems - window_stems))
    f["n_stems"] = math.log1p(len(claim_stems))
    c_seq, w_seq = _content_sequence(claim), _content_sequence(window)
    c_bi = _bigrams(c_seq)
    f["bigram_best"] = len(c_bi & _bigrams(w_seq)) / len(c_bi) if c_bi else 0.0
    f["bigram_doc"] = len(c_bi & memo["bigrams"]) / len(c_bi) if c_bi else 0.0
    if c_seq and w_seq:
        matcher = difflib.SequenceMatcher(None, c_seq, w_seq, autojunk=False)
        f["ordered_best"] = sum(b.size for b in matcher.get_matching_blocks()) / len(c_seq)
        f["longest_run"] = matcher.find_longest_match(0, len(c_seq), 0, len(w_seq)).size / len(c_seq)
    claim_values = numbers.quantities(claim)
    missing_doc = numbers.missing_quantities(claim, evidence, allowed_numbers, memo["values"])
    missing_best = numbers.missing_quantities(claim, window, allowed_numbers)
    f["num_claim"] = math.log1p(len(claim_values))
    f["num_missing_doc"] = float(len(missing_doc))
    f["num_missing_best"] = float(len(missing_best))
    date_conflicts = [d for d in numbers.date_conflicts(claim, evidence, memo["dates"])
                      if not any(numbers.same_value(d[1], v) for v in allowed_numbers)]
    f["date_conflict"] = float(len(date_conflicts))
    claim_names = list(dict.fromkeys(entities.names(claim)))
    missing_names = entities.missing_names(claim, evidence, memo["keys"])
    f["names_claim"] = math.log1p(len(claim_names))
    f["names_missing_doc"] = float(len(missing_names))
    f["names_missing_best"] = float(len(entities.missing_names(claim, window)))
    pol = polarity.polarity_conflicts(claim, window)
    neg_mismatch = (polarity.negation_count(claim) > 0) != (polarity.negation_count(window) > 0)
    f["neg_conflict"] = float(len(pol))
    f["neg_mismatch"] = float(neg_mismatch)
    ants = polarity.antonym_conflicts(claim, window)
    f["antonym"] = float(len(ants))
    swap = entities.role_swap(claim, window) if best.first == best.last else None
    if swap is None:
        swap = entities.role_swap(claim, doc.sentence(best.first))
    f["swap"] = float(swap is not None)
    verbatim = is_verbatim(claim, evidence, memo["normalised"])
    f["verbatim"] = float(verbatim)
    f["log_sentences"] = math.log1p(len(doc.spans))
    f["log_claim_words"] = math.log1p(len(claim.split()))
    clause_cov, added = 1.0, None
    parts = [(part.strip(), polarity.content_stems(part)) for part in polarity.clauses(claim)]
    covs = [len(stems & doc.all_stems) / len(stems) if stems else 1.0 for _, stems in parts]
    for (part, stems), cov in zip(parts, covs):
        if len(stems) >= 2:
            clause_cov = min(clause_cov, cov)
    if len(parts) >= 2 and max(covs) >= 0.6:  # a clause added to an otherwise supported claim
        for (part, stems), cov in zip(parts, covs):
            lacks = entities.missing_names(part, evidence, memo["keys"]) or numbers.missing_quantities(
                part, evidence, allowed_numbers, memo["values"])
            if len(stems) >= 3 and cov < CLAUSE_MIN_COVERAGE and (lacks or (len(stems) >= 4 and cov <= 0.2)):
                added = part
                break
    f["clause_min_cov"] = clause_cov
    subst = entities.substituted_names(claim, evidence, window, memo["keys"])
    f["substituted"] = float(len(subst))
    title_conflicts = entities.title_conflicts(claim, evidence, memo["titles"])
    f["title_conflict"] = float(len(title_conflicts))
    places = entities.missing_places(claim, memo["keys"])
    f["place_missing"] = float(len(places))
    actor = None
    for i in range(best.first, best.last + 1):
        actor = entities.actor_conflict(claim, doc.sentence(i), [doc.sentence(k) for k in range(max(0, i - 6), i)],
                                        memo["proper"], window)
        if actor:
            break
    f["actor_conflict"] = float(actor is not None)
    ordinals = numbers.ordinal_conflicts(claim, window)
    f["ordinal_conflict"] = float(len(ordinals))
    if cand_sims:
        f["cos_best"] = cand_sims[0]
        f["cos_max"] = float(max(cand_sims))
        f["cos_gap"] = float(max(cand_sims) - cand_sims[0])
    share = content_share(claim, window)
    f_cos = f.get("cos_max")
    unrelated = share is not None and (share < UNRELATED_SHARE and f_cos < UNRELATED_COSINE if f_cos is not None
                                       else share < UNRELATED_SHARE_NO_COSINE)
    unrelated = unrelated or bool(missing_names and f_cos is not None and f_cos < UNRELATED_NAME_COSINE)
    if crossencoder:
        from assistant.verifier import crossenc

        f[CE_FEATURE] = float(crossenc.logits(claim, [window])[0])
    if best.plain < 0.5:  # a conflict with a sentence that hardly matches the claim decides nothing
        pol, ants, swap, actor, ordinals = set(), [], None, None, []
    return Analysis(f, spans, window, verbatim, missing_doc, date_conflicts, pol, neg_mismatch, ants,
                    missing_names, swap, novel, subst, added, title_conflicts, places, actor, ordinals, unrelated)


def content_share(claim: str, window: str) -> float | None:
    """The share of the claim's content stems, its names' stems aside, that the window holds (None
    when the claim has fewer than two such stems: nothing to judge)."""
    stems = polarity.content_stems(claim)
    for name in entities.names(claim):
        stems -= polarity.content_stems(name)
    if len(stems) < 2:
        return None
    return len(stems & polarity.content_stems(window)) / len(stems)


def precompute_texts(claim: str, evidence: str) -> list[str]:
    """The evidence texts ``analyse`` would embed for this claim (to embed them ahead, as at ingest)."""
    doc = document(evidence)
    return [_window(doc, c)[0] for c in rank(doc, polarity.content_stems(claim), top=5)]
