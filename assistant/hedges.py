"""How an answer says it is unsure, and how a reader (the eval, a UI) tells such an answer apart.

An unsure answer is neither a refusal (it quotes what the archive does hold) nor a definite short
answer: it opens with one of ``UNSURE_OPENINGS`` and then gives the closest evidence it found.
"""

from __future__ import annotations

import re

NOT_SURE = "Not sure"
NO_DIRECT_ANSWER = "I could not find a direct answer"
NOT_REPORTED = "The archive does not report"
UNSURE_OPENINGS = (NOT_SURE, NO_DIRECT_ANSWER, NOT_REPORTED)

_UNSURE = re.compile(r"^\W*(?:" + "|".join(re.escape(o) for o in UNSURE_OPENINGS) + r")\b", re.IGNORECASE)


def is_unsure(text: str) -> bool:
    """Whether an answer opens by saying it is unsure (``UNSURE_OPENINGS``)."""
    return bool(_UNSURE.match(text or ""))


def says_not_reported(text: str) -> bool:
    """Whether an answer opens by saying the archive does not report the question's premise."""
    return (text or "").lstrip().lower().startswith(NOT_REPORTED.lower())


def quoted(quote: str) -> str:
    """A quote for display in “curly quotes”, never doubled: the quote's own double quotes become
    single ones (‘...’), so “"The letters ...," she said” reads “‘The letters ...,’ she said”.
    The citation keeps the exact text; only the displayed copy changes."""
    text = quote.strip()
    out: list[str] = []
    for ch in text:
        if ch == "“" or (ch == '"' and (not out or out[-1] in " ([{—–-")):
            out.append("‘")
        elif ch in "”\"":
            out.append("’")
        else:
            out.append(ch)
    return "“" + "".join(out) + "”"
