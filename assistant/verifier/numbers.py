"""Numbers, quantities and dates in text, written in digits or words.

``quantities("thirty instructors and 3.5 million euros")`` -> {30.0, 3500000.0};
``dates("Friday, June 14")`` == ``dates("14 June")`` == {(6, 14)}. Pure functions, no dependencies.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}
SHORT_SCALES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000, "tn": 1_000_000_000_000}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
FRACTIONS = {"half": 0.5, "quarter": 0.25, "dozen": 12}
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE_MD = re.compile(rf"\b({_MONTH_NAMES})\.?\s+{_DAY}\b(?!\s*(?:,\s*)?\d{{3}}\b(?!\d))", re.I)
_DATE_MD_YEAR = re.compile(rf"\b({_MONTH_NAMES})\.?\s+{_DAY}\b", re.I)
_DATE_DM = re.compile(rf"\b{_DAY}\s+(?:of\s+)?({_MONTH_NAMES})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

_TOKEN = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[A-Za-z]+(?:-[A-Za-z]+)*|%")
_CODE = re.compile(r"\b[A-Za-z]+-?\d+[A-Za-z]*\b|\b\d+[A-Za-z]+\d+\w*\b")
_LIST_MARK = re.compile(r"^\s*\(?\d{1,2}[.)]\s+")
_NUMBER_WORDS = set(UNITS) | set(TENS) | set(SCALES) | {"one", "a", "an", "and"} | set(FRACTIONS)


def _word_value(word: str) -> float | None:
    """Value of one number word or hyphenated compound ("thirty-two" -> 32); None otherwise."""
    if word in UNITS:
        return float(UNITS[word])
    if word in TENS:
        return float(TENS[word])
    if "-" in word:
        head, _, tail = word.partition("-")
        if head in TENS and (tail in UNITS or tail == "one"):
            return float(TENS[head] + (1 if tail == "one" else UNITS[tail]))
    return None


def quantities(text: str, ordinal_words: bool = False) -> set[float]:
    """The numeric values a text states: digits ("3,000", "3.5"), number words ("thirty",
    "thirty-two", "two hundred"), scaled ("3.5 million", "$2bn"), ordinals ("14th", "third") and
    percentages (by their number). "one"/"a" count only before a scale word ("one hundred"); ordinal
    words ("first", "third") only with ``ordinal_words`` ("the first is" names no number)."""
    text = _LIST_MARK.sub(" ", text)  # "2. Excuse My French is ..." numbers a list item
    text = _CODE.sub(" ", text)  # "COVID-19", "U-30", "B52": names, not numbers
    text = re.sub(r"(?<=[A-Za-z0-9])-(?=[A-Za-z])", " ", text)  # "two-day", "thirty-two"
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    values: set[float] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        value: float | None = None
        if token[0].isdigit():
            value = float(token.replace(",", ""))
            i += 1
        elif (v := _word_value(token)) is not None or (token in ("one", "a", "an") and i + 1 < len(tokens)
                                                        and tokens[i + 1] in SCALES):
            # a run of number words: "two hundred and fifty thousand"
            total, current = 0.0, v if v is not None else 1.0
            i += 1
            while i < len(tokens):
                word = tokens[i]
                if word in SCALES:
                    current *= SCALES[word]
                    if SCALES[word] >= 1000:
                        total, current = total + current, 0.0
                elif (w := _word_value(word)) is not None:
                    current += w
                elif word == "and" and i + 1 < len(tokens) and _word_value(tokens[i + 1]) is not None:
                    pass
                else:
                    break
                i += 1
            value = total + current
        elif token in ORDINALS:
            if ordinal_words:
                values.add(float(ORDINALS[token]))
            i += 1
            continue
        elif token == "dozen":
            values.add(12.0)
            i += 1
            continue
        else:
            i += 1
            continue
        # a scale after digits: "3.5 million", "2bn", "half a million"
        if i < len(tokens) and tokens[i] in SCALES and token[0].isdigit():
            value *= SCALES[tokens[i]]
            i += 1
        elif i < len(tokens) and tokens[i] in SHORT_SCALES and token[0].isdigit():
            value *= SHORT_SCALES[tokens[i]]
            i += 1
        values.add(value)
    # "14th" splits as "14" + "th": already counted as 14
    return values


def dates(text: str) -> set[tuple[int, int]]:
    """(month, day) pairs however written: "June 14", "14 June", "14th of June", "2024-06-14"."""
    found: set[tuple[int, int]] = set()
    for match in _DATE_MD_YEAR.finditer(text):
        day = int(match.group(2))
        if 1 <= day <= 31:
            found.add((MONTHS[match.group(1).lower()], day))
    for match in _DATE_DM.finditer(text):
        day = int(match.group(1))
        if 1 <= day <= 31:
            found.add((MONTHS[match.group(2).lower()], day))
    for match in _ISO.finditer(text):
        month, day = int(match.group(2)), int(match.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.add((month, day))
    return found


def months(text: str) -> set[int]:
    """Months named in full ("in June"); 'may' and 'march' only capitalised, as they are words too."""
    out = set()
    for match in re.finditer(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b",
                             text, re.I):
        word = match.group(1)
        if word.lower() in ("may", "march") and not word[0].isupper():
            continue
        out.add(MONTHS[word.lower()])
    return out


def same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def missing_quantities(claim: str, evidence: str, allowed: set[float] = frozenset(),
                       have: set[float] | None = None) -> list[float]:
    """The claim's values that the evidence never states (``allowed``: e.g. the publication date's);
    the evidence's ordinal words count ("sixteenth century" holds the claim's "16th"). ``have``: the
    evidence's values when already read."""
    have = (quantities(evidence, ordinal_words=True) if have is None else have) | set(allowed)
    return [v for v in sorted(quantities(claim)) if not any(same_value(v, h) for h in have)]


def date_conflicts(claim: str, evidence: str, have: set[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """The claim's (month, day) dates absent from the evidence (``have``: its dates, when read)."""
    claim_dates = dates(claim)
    if not claim_dates:
        return []
    have = dates(evidence) if have is None else have
    return sorted(d for d in claim_dates if d not in have)


def ordinal_conflicts(claim: str, window: str) -> list[tuple[str, str]]:
    """("second", "first") where the claim's ordinal word qualifies a word that the evidence qualifies
    with another ordinal ("the second day" against "the first day")."""
    c = re.findall(r"\b([A-Za-z]+)\s+([A-Za-z]+)", claim.lower())
    w = re.findall(r"\b([A-Za-z]+)\s+([A-Za-z]+)", window.lower())
    seen = {(a, b) for a, b in w}
    out = []
    for a, b in c:
        if a in ORDINALS and (a, b) not in seen:
            other = [x for x, y in seen if y == b and x in ORDINALS and x != a]
            if other:
                out.append((a, other[0]))
    return out
