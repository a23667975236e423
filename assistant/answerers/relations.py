"""Relation words the claim verifier reads by their neighbours, not their sense.

The verifier judges "the Cowboys lose to the Seahawks" supported by "the Cowboys rallied to beat the
Seahawks": the same teams and event, and "lose" and "beat" are close neighbours in its word space;
it is blind to word order too ("the Seahawks beat the Cowboys" scores as well). So a Yes/No part
whose claim says A lost to B is contradicted when an admitted article plainly has A beating B ("A
rallied to beat B", "A's win over B": ``beats_in``), the opposite claim ("A beat B",
``opposite_claim``) cited (``assistant.answerers.yes_no.judge_parts``).
"""

from __future__ import annotations

import re

# "A lose(s)/lost/fell to B [in/on ... the rest]" -> "A beat B [the rest]"
_LOST_TO = re.compile(
    r"^(?P<a>.+?)\s+(?:lose|loses|lost|losing|fall|falls|fell)\s+to\s+(?P<b>.+?)"
    r"(?P<rest>\s+(?:in|on|at|during|for|after|with|by|last|this)\b.*)?$", re.I,
)


def opposite_claim(claim: str) -> str | None:
    """The claim with its loss read as a win ("A lost to B in X" -> "A beat B in X"), or None when
    the claim names no such result."""
    match = _LOST_TO.match(claim.strip())
    if not match:
        return None
    return f"{match['a']} beat {match['b']}{match['rest'] or ''}"


_WIN = r"(?:beat|beats|beating|defeat|defeats|defeated|defeating|top|tops|topped|edge|edges|edged|rout|routs|routed|" \
       r"(?:win|wins|won|victory)\s+(?:over|against))"


def _head(name: str) -> str:
    """A side's last word ("the Dallas Cowboys" -> "Cowboys"), the one articles keep."""
    words = re.findall(r"[\w'’.-]+", name)
    return re.sub(r"['’]s?$", "", words[-1]) if words else ""


def beats_in(claim: str, text: str) -> bool:
    """Whether the text has the claim's loser beating its winner: for "A lost to B", a sentence
    with A and then "beat / defeated / win over (the) B" within a few words."""
    match = _LOST_TO.match(claim.strip())
    if not match:
        return False
    a, b = _head(match["a"]), _head(match["b"])
    if len(a) < 3 or len(b) < 3:
        return False
    pattern = re.compile(rf"\b{re.escape(a)}\b[^.;!?]{{0,80}}?\b{_WIN}\s+(?:the\s+)?(?:[\w.-]+\s+)?{re.escape(b)}\b", re.I)
    return bool(pattern.search(text))
