"""Claims judged against evidence: labelled pairs (``newsdesk verify``) and a draft checked against
the archive (``newsdesk check``, the chat page's "Check a draft" tab).

A draft is split into its sentences (markdown bullets, headings and ``[n]`` markers aside); each is
a claim. The archive is searched with the claim itself, and the verifier reads each retrieved
passage: the best supporting passage makes the claim *supported*, else a passage that contradicts
it (a changed number or date, a negation, an opposite, a swapped name) makes it *contradicted*,
else it is *not found*. Either way the deciding span is cited, as an exact quote of the article.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.cite import make_citation, normalize_markers
from assistant.injection import without_instructions
from assistant.types import Citation
from assistant.verifier import CONTRADICTED, SUPPORTED, Verdict, verify
from ingest.chunking import split_sentences
from ingest.types import Passage

SUPPORTED_STATUS, CONTRADICTED_STATUS, NOT_FOUND = "supported", "contradicted", "not found"
MIN_CLAIM_WORDS = 3
MAX_DRAFT_CHARS = 20_000


# --- labelled pairs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    id: str
    claim: str
    evidence: str
    label: int | None  # 1 supported, 0 not; None when the row gives none


def read_pairs(path: Path) -> tuple[list[Pair], list[str]]:
    """The rows of a JSONL file of ``{id, claim, evidence, label?}``, and one line per malformed row
    naming its line ("pairs.jsonl line 3: missing 'claim'"); the other rows are still read."""
    pairs: list[Pair] = []
    errors: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pairs.append(pair_from_row(json.loads(line), default_id=f"line-{number}"))
        except json.JSONDecodeError as exc:
            errors.append(f"{path} line {number}: not JSON ({exc.msg})")
        except ValueError as exc:
            errors.append(f"{path} line {number}: {exc}")
    return pairs, errors


def pair_from_row(row: object, default_id: str) -> Pair:
    if not isinstance(row, dict):
        raise ValueError("a row must be a JSON object with 'claim' and 'evidence'")
    for key in ("claim", "evidence"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise ValueError(f"missing '{key}' (a non-empty string)")
    label = row.get("label")
    if label is not None:
        if isinstance(label, bool) or label not in (0, 1):
            raise ValueError(f"'label' must be 1 (supported) or 0 (not supported), got {label!r}")
        label = int(label)
    return Pair(str(row.get("id", default_id)), row["claim"], row["evidence"], label)


def balanced_scores(gold: Iterable[int], predicted: Iterable[bool]) -> dict[str, float | int | None]:
    """Keep-supported (share of gold-supported claims judged supported), drop-unsupported (share of
    the others judged unsupported) and their mean, balanced accuracy; None where a side has no claims."""
    pairs = list(zip(gold, predicted))
    positives = [p for g, p in pairs if g == 1]
    negatives = [p for g, p in pairs if g == 0]
    keep = sum(positives) / len(positives) if positives else None
    drop = sum(not p for p in negatives) / len(negatives) if negatives else None
    sides = [s for s in (keep, drop) if s is not None]
    return {
        "labelled": len(pairs), "supported": len(positives), "unsupported": len(negatives),
        "keep_supported": keep, "drop_unsupported": drop,
        "balanced_accuracy": sum(sides) / len(sides) if sides else None,
    }


# --- a draft against the archive ---------------------------------------------------------------------


@dataclass
class ClaimCheck:
    claim: str
    status: str  # supported | contradicted | not found
    score: float  # the verifier's support score for the deciding passage
    reason: str
    citation: Citation | None = None  # the deciding span; None when nothing was retrieved

    def as_json(self) -> dict:
        return {"claim": self.claim, "status": self.status, "score": round(self.score, 4), "reason": self.reason,
                "citation": self.citation.as_json() if self.citation else None}


@dataclass
class DraftCheck:
    claims: list[ClaimCheck] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {status: sum(c.status == status for c in self.claims)
                for status in (SUPPORTED_STATUS, CONTRADICTED_STATUS, NOT_FOUND)}

    def as_json(self) -> dict:
        return {"claims": [c.as_json() for c in self.claims], "counts": self.counts()}


_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#+)\s+", re.M)
_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_WORD = re.compile(r"[^\W\d_]{2,}")


def split_claims(text: str) -> list[str]:
    """The sentences of a draft worth checking: bullets, headings and citation markers removed,
    sentences of fewer than three words (a heading, "Yes.") left out."""
    text = _MARKERS.sub("", normalize_markers(_BULLET.sub("", text[:MAX_DRAFT_CHARS])))
    claims = [text[start:end].strip() for start, end in split_sentences(text)]
    return [c for c in claims if len(_WORD.findall(c)) >= MIN_CLAIM_WORDS]


Judge = Callable[[str, str], Verdict]


def judge_claim(claim: str, passages: list[Passage], judge: Judge = verify) -> ClaimCheck:
    """The claim against each passage: the most supported passage if any supports it, else the
    most confident contradiction, else the closest passage as "not found". A sentence of a passage
    that reads as a planted instruction is no evidence (``without_instructions``), as for answers."""
    if not passages:
        return ClaimCheck(claim, NOT_FOUND, 0.0, "no passage of the archive is about this")
    judged = [(judge(claim, without_instructions(p.text)), p) for p in passages]
    supported = [(v, p) for v, p in judged if v.supported and v.label == SUPPORTED]
    contradicted = [(v, p) for v, p in judged if v.label == CONTRADICTED]
    if supported:
        verdict, passage = max(supported, key=lambda vp: vp[0].score)
        status = SUPPORTED_STATUS
    elif contradicted:
        verdict, passage = min(contradicted, key=lambda vp: vp[0].score)
        status = CONTRADICTED_STATUS
    else:
        verdict, passage = max(judged, key=lambda vp: vp[0].score)
        status = NOT_FOUND
    return ClaimCheck(claim, status, verdict.score, verdict.reason, deciding_citation(verdict, passage))


def deciding_citation(verdict: Verdict, passage: Passage) -> Citation:
    """The citation of the span the verifier decided on (the passage's first sentence when it named
    none), with offsets into the stored article."""
    if verdict.spans:
        start, end = verdict.spans[0]
    else:
        spans = split_sentences(passage.text)
        start, end = spans[0] if spans else (0, len(passage.text))
    return make_citation(1, passage, passage.start + start, passage.start + end)


def check_draft(text: str, retrieve: Callable[[str], list[Passage]], judge: Judge = verify) -> DraftCheck:
    """Each claim of the draft, judged against the passages ``retrieve`` finds for it; citations are
    numbered in order of the claims."""
    result = DraftCheck()
    for claim in split_claims(text):
        checked = judge_claim(claim, retrieve(claim), judge)
        if checked.citation is not None:
            checked.citation.n = len(result.claims) + 1
        result.claims.append(checked)
    return result
