"""Days written in text: ISO dates and the forms news writes them in ("November 24, 2023",
"Nov. 24th", "24 November 2023"), shared by the loaders (publication dates) and the question parser."""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
MONTH_GROUP = r"(?P<{g}>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
DAY_GROUP = r"(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?"
YEAR_GROUP = r"(?P<{g}>(?:19|20)\d\d)"
# A single day, in the forms news questions use: 2023-11-24, November 24, 2023, Nov. 24th, 24 November 2023.
DAY_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
    re.compile(r"\b" + MONTH_GROUP.format(g="mn") + r"\s+" + DAY_GROUP.format(g="d") + r"\b(?:,?\s+" + YEAR_GROUP.format(g="y") + r"\b)?"),
    re.compile(r"\b" + DAY_GROUP.format(g="d") + r"\s+(?:of\s+)?" + MONTH_GROUP.format(g="mn") + r"(?:,?\s+" + YEAR_GROUP.format(g="y") + r"\b)?"),
]
DATE_SLACK = timedelta(days=1)  # published_at is UTC; a question's "on Oct 18" may be a day apart


def infer_year(month: int, day: int, first: date | None, last: date | None) -> int:
    """The year within the archive's span for a date given without one (latest year when none fits)."""
    if first is None or last is None:
        return date.today().year
    for year in range(last.year, first.year - 1, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if first - DATE_SLACK <= candidate <= last + DATE_SLACK:
            return year
    return last.year


def matched_day(match: re.Match, first: date | None = None, last: date | None = None) -> date | None:
    """The day a ``DAY_PATTERNS`` match names (a year it leaves out is the archive's, ``infer_year``);
    None for an impossible one ("February 30")."""
    groups = match.groupdict()
    month = int(groups["m"]) if groups.get("m") else MONTHS[groups["mn"].lower().rstrip(".")]
    day = int(groups["d"])
    year = int(groups["y"]) if groups.get("y") else infer_year(month, day, first, last)
    try:
        return date(year, month, day)
    except ValueError:
        return None
