"""Answering "as on a day": the date window a question's relative time words give, read against ``as_of``.

A question asked on 2022-06-16 that says "this week" means 2022-06-10..2022-06-16, not the week the
archive is searched in; "yesterday", "last month", "on Tuesday" likewise. ``date_window`` is pure
(question text and a day in, a window out); retrieval turns the window into a filtered sub-query and
prefers articles published near ``as_of`` (``assistant.retrieve``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.dates import DATE_SLACK
from ingest.types import Filters, Passage

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RECENT_DAYS = 30  # "recently", "lately": the month before as_of
# Reports of a day's news are published up to a day or two later (and dated in UTC), so a window
# reaches past its last day by this much: of the 1,527 (question, evidence article) pairs of the
# 2022 RealTime QA slice, 801 are dated within the 7 days up to the quiz date, 39 one or two days
# after it, 17 later, and 670 earlier than a week before.
LEAD = timedelta(days=2)
# Articles published more than this after as_of were not known on that day and are left out (None:
# none are), as are undated ones (a date cut-off is a date filter). The same two days as LEAD: on the
# 2022 RealTime QA slice this loses the 17 evidence articles dated later than that (of 1,527).
KNOWN_LEAD: timedelta | None = timedelta(days=2)
# The recency prior: a passage's retrieval score is multiplied by 1 + RECENCY_WEIGHT * 0.5 ** (age /
# RECENCY_HALF_LIFE), age = days from its publication to as_of (0 for days after as_of; undated: no boost).
RECENCY_WEIGHT = 1.0
RECENCY_HALF_LIFE = 7.0

# Names that hold a time word: "USA TODAY", "Black Friday", "Cyber Monday", "Super Tuesday".
_NOT_TIME = r"(?<!usa\s)(?<!black\s)(?<!cyber\s)(?<!super\s)(?<!good\s)(?<!giving\s)(?<!easter\s)(?<!ash\s)"
_RELATIVE = re.compile(
    r"\b" + _NOT_TIME + r"(?P<phrase>today|tonight|this morning|yesterday|"
    r"(?:this|last|previous|(?:the\s+)?past)\s+(?:past\s+)?(?:week(?:end)?|month|year)|"
    r"recent(?:ly)?|lately|"
    r"(?:on\s+|last\s+|this\s+(?:past\s+)?)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateWindow:
    """Inclusive days a question's time words point at; ``words`` are those words ("" when none)."""

    since: date
    until: date
    words: str

    @property
    def first_day(self) -> date:
        """The first publication day read as within the window (a day early: dates are UTC)."""
        return self.since - DATE_SLACK

    @property
    def last_day(self) -> date:
        """The last publication day read as within the window (``LEAD`` late: reports come after)."""
        return self.until + LEAD

    def admits(self, published_day: str) -> bool:
        return self.first_day.isoformat() <= published_day[:10] <= self.last_day.isoformat()


def phrase_span(phrase: str, as_of: date) -> tuple[date, date]:
    """The days one time phrase (a ``_RELATIVE`` match) means on ``as_of``."""
    words = phrase.lower().split()
    last = words[-1]
    if last in WEEKDAYS:  # the latest such day on or before as_of ("on Monday" asked on a Monday: that day)
        day = as_of - timedelta(days=(as_of.weekday() - WEEKDAYS.index(last)) % 7)
        if words[0] == "last" and day == as_of:
            day -= timedelta(days=7)
        return day, day
    if last in ("today", "tonight", "morning"):
        return as_of, as_of
    if last == "yesterday":
        return as_of - timedelta(days=1), as_of - timedelta(days=1)
    if last in ("recent", "recently", "lately"):
        return as_of - timedelta(days=RECENT_DAYS), as_of
    earlier = words[0] in ("last", "previous") and "past" not in words
    if last == "weekend":  # the latest Saturday-Sunday that began on or before as_of
        saturday = as_of - timedelta(days=(as_of.weekday() - 5) % 7)
        if earlier and saturday + timedelta(days=1) >= as_of:
            saturday -= timedelta(days=7)
        return saturday, saturday + timedelta(days=1)
    if last == "week":  # a rolling week: quizzes and news say "this week" of the seven days before
        end = as_of - timedelta(days=7) if earlier else as_of
        return end - timedelta(days=6), end
    if last == "month":
        if "past" in words:
            return as_of - timedelta(days=30), as_of
        first = as_of.replace(day=1)
        if earlier:
            end = first - timedelta(days=1)
            return end.replace(day=1), end
        return first, as_of
    # a year: "this year", "last year", "the past year"
    if "past" in words:
        return as_of - timedelta(days=365), as_of
    if earlier:
        return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
    return date(as_of.year, 1, 1), as_of


def date_window(question: str, as_of: date) -> DateWindow | None:
    """The days the question's relative time words mean when asked on ``as_of``, or None without any.

    "this week" is the seven days up to as_of, "last week" the seven before those, "yesterday" and
    "on Tuesday" one day, "this month"/"this year" from their first day, "last month"/"last year"
    the calendar month/year before, "recently" the 30 days before. Several phrases give the span
    that covers them all. ``LEAD`` is not added here: the window is what the words mean.
    """
    phrases = [" ".join(match.group("phrase").split()) for match in _RELATIVE.finditer(question)]
    spans = [phrase_span(phrase, as_of) for phrase in phrases]
    if not spans:
        return None
    return DateWindow(min(s for s, _ in spans), max(u for _, u in spans), ", ".join(phrases))


def known_on(filters: Filters, as_of: date | None) -> Filters:
    """The filters with what was not yet published on ``as_of`` left out (``KNOWN_LEAD`` after it)."""
    if as_of is None or KNOWN_LEAD is None:
        return filters
    last = (as_of + KNOWN_LEAD).isoformat()
    if filters.until is not None and filters.until <= last:
        return filters
    return Filters(filters.sources, filters.since, last)


def recency_boost(published_day: str, as_of: date) -> float:
    """How much an article published on ``published_day`` (ISO, "" when undated) is preferred on ``as_of``."""
    try:
        day = date.fromisoformat(published_day)
    except ValueError:
        return 1.0
    age = max(0, (as_of - day).days)
    return 1.0 + RECENCY_WEIGHT * 0.5 ** (age / RECENCY_HALF_LIFE)


def passages_for(question: str, passages: list[Passage], as_of: date | None) -> list[Passage]:
    """What an answer as on ``as_of`` is drawn from: when the question's time words give a window
    ("this week") and some passages were published within it, those; else all of them (an answer
    asked "this week" quotes that week's report, not last year's, though both rank high)."""
    window = date_window(question, as_of) if as_of is not None else None
    if window is None:
        return passages
    return [p for p in passages if window.admits(p.published_at)] or passages
