"""Query understanding for news questions: outlets, dates and date ranges, and sub-queries.

Pure functions over the question text and what the archive holds (its outlet names and date span),
so a question is read against the values actually in the archive: "The Independent" matches the
archive's "The Independent - Life and Style", "CNBC" its "Cnbc | World Business News Leader", and
"October 18th" gets the year the archive covers. Nothing here knows any particular question set.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from ingest.dates import DATE_SLACK, DAY_PATTERNS, MONTH_GROUP, MONTHS, YEAR_GROUP, infer_year, matched_day
from ingest.types import Filters, Passage

MONTH_PATTERN = re.compile(r"\b(?:(?P<pre>in|during|throughout|of)\s+(?:early\s+|mid-|late\s+)?)?" + MONTH_GROUP.format(g="mn") + r"(?:,?\s+" + YEAR_GROUP.format(g="y") + r")?\b")
RANGE_JOIN = re.compile(r"^\s*,?\s*(?:and|to|until|till|through|-|–)\s*$")  # "between May 1, 2023, and June 2"
RANGE_OPEN = re.compile(r"\b(?:between|from)\s+(?:the\s+)?$", re.IGNORECASE)
BOUND_BEFORE = re.compile(r"\b(?P<word>since|after|before|until|prior to|no later than|no earlier than)\s+$", re.IGNORECASE)
MIN_CONTENT_WORDS = 3
FUNCTION_WORDS = frozenset(
    "the and but for with from that this these those was were are has have had did does its their his her "
    "which who whom what when where while whether both also article articles report reports reported story "
    "piece published according news".split()
)


# Terminal escape sequences, removed whole so that no "[31m" or "]0;title" is left of them: CSI
# ("ESC [" or the one-byte 0x9b, then parameters and a final letter), OSC/DCS/SOS/PM/APC strings up to
# their terminator (BEL or ST), and the two-character escapes.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# What is left: C0 and C1 controls, DEL, zero-width characters, bidi marks, embeddings, overrides and isolates
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def without_controls(text: str) -> str:
    """The text with terminal escape sequences and every other control, zero-width or bidi character
    replaced by a space (a question pasted from a terminal, or typed with a stray Ctrl key, still reads
    as its words)."""
    return _CONTROL_CHARACTER.sub(" ", _ESCAPE_SEQUENCE.sub(" ", text))


@dataclass(frozen=True)
class OutletMention:
    start: int
    end: int
    text: str
    sources: tuple[str, ...]  # archive outlets this mention may mean


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    since: date | None
    until: date | None


@dataclass(frozen=True)
class SubQuery:
    """A part of the question with the filters its outlet and date imply."""

    text: str
    filters: Filters


@dataclass(frozen=True)
class ParsedQuery:
    question: str
    outlets: list[OutletMention] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    subqueries: list[SubQuery] = field(default_factory=list)


def outlet_aliases(sources: list[str] | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return _outlet_aliases(tuple(sources))


@lru_cache(maxsize=8)
def _outlet_aliases(sources: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Every way a question may name an archive outlet, mapped to the outlets it may mean.

    "The Independent - Life and Style" is also "The Independent" and "Independent"; "Cnbc | World
    Business News Leader" is also "Cnbc"; "BBC News - Entertainment & Arts" is also "BBC News" and
    "BBC". An alias shared by several outlets ("FOX News") means all of them.
    """
    found: dict[str, set[str]] = {}
    for source in sources:
        name = " ".join(source.split())
        if not name:
            continue
        names = {name}
        head = re.split(r"\s+[-|:–]\s+|\s*\|\s*", name)[0].strip()
        names.add(head)
        for candidate in list(names):
            if candidate.lower().startswith("the ") and len(candidate) > 8:
                names.add(candidate[4:])
        for candidate in list(names):
            if candidate.lower().endswith(" news") and len(candidate.split()) == 2:
                names.add(candidate[: -len(" news")])
        for alias in names:
            if len(alias) >= 3:
                found.setdefault(alias.lower(), set()).add(source)
    return {alias: tuple(sorted(outlets)) for alias, outlets in found.items()}


def resolve_sources(requested: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """The archive outlets a user's source filter means, matched the way questions name outlets.

    Any case, and the short names of ``outlet_aliases`` ("techcrunch" is "TechCrunch"; "The
    Independent" is every section of it). A name that matches no outlet is a ``ValueError`` that
    says so, with the closest outlets, instead of a filter that silently finds nothing.
    """
    aliases = outlet_aliases(tuple(known))
    by_lower = {source.lower(): source for source in known}
    resolved: list[str] = []
    for name in requested:
        key = " ".join(name.split()).lower()
        outlets = aliases.get(key) or ((by_lower[key],) if key in by_lower else ())
        if not outlets:
            close = [by_lower[match] for match in difflib.get_close_matches(key, list(by_lower), n=3, cutoff=0.8)]
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            listed = f"`newsdesk status` lists its {len(known)}" if known else "it names no outlet"
            raise ValueError(f"source {name!r} is not an outlet in the archive{hint} ({listed})")
        resolved.extend(outlets)
    return tuple(dict.fromkeys(resolved))


@lru_cache(maxsize=4096)
def _alias_regex(alias: str) -> re.Pattern:
    """Words of an alias with flexible spacing, in any case (``looks_like_a_name`` checks capitals)."""
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(word) for word in alias.split()) + r"(?!\w)", re.IGNORECASE)


def looks_like_a_name(text: str) -> bool:
    """The first word after an optional "the", and the last word, start with a capital ("The Age",
    "the New York Times", "WIRED"), so "the age of streaming" or "wired headphones" are no outlets."""
    words = text.split()
    if len(words) > 1 and words[0].lower() == "the":
        words = words[1:]
    return words[0][0].isupper() and (words[-1][0].isupper() or not words[-1][0].isalpha())


def find_outlets(question: str, aliases: dict[str, tuple[str, ...]]) -> list[OutletMention]:
    """Outlet mentions, longest alias first, never overlapping, in question order.

    Matches ignore case but must be capitalised as a name is (see ``looks_like_a_name``).
    """
    taken = [False] * len(question)
    mentions: list[OutletMention] = []
    lowered = question.lower()
    for alias in sorted(aliases, key=len, reverse=True):
        if alias.split()[0] not in lowered:  # cheap test before the regex
            continue
        for match in _alias_regex(alias).finditer(question):
            text = match.group()
            if not looks_like_a_name(text):
                continue
            if any(taken[match.start():match.end()]):
                continue
            for i in range(match.start(), match.end()):
                taken[i] = True
            mentions.append(OutletMention(match.start(), match.end(), text, aliases[alias]))
    return sorted(mentions, key=lambda m: m.start)


def find_dates(question: str, first: date | None = None, last: date | None = None) -> list[DateMention]:
    """Days, months and ranges named in the question, as inclusive (since, until) spans.

    "on 2023-11-24" -> that day; "in October 2023" -> the month; "between October 1 and October 15"
    or "from ... to ..." -> the range; "since/after D" and "before/until D" -> open-ended spans.
    Dates without a year take the year the archive (first..last) covers.
    """
    taken = [False] * len(question)
    days: list[tuple[int, int, date]] = []
    for pattern in DAY_PATTERNS:
        for match in pattern.finditer(question):
            if any(taken[match.start():match.end()]):
                continue
            value = matched_day(match, first, last)
            if value is None:
                continue
            taken[match.start():match.end()] = [True] * (match.end() - match.start())
            days.append((match.start(), match.end(), value))
    spans: list[tuple[int, int, date, date]] = [(s, e, d, d) for s, e, d in days]
    for match in MONTH_PATTERN.finditer(question):
        if any(taken[match.start():match.end()]) or not (match.group("y") or match.group("pre")):
            continue
        if match.group("mn").lower().rstrip(".") == "may" and not match.group("y"):
            continue  # "in May" is too often the verb's neighbour to read as a month without a year
        month = MONTHS[match.group("mn").lower().rstrip(".")]
        year = int(match.group("y")) if match.group("y") else infer_year(month, 1, first, last)
        start_day = date(year, month, 1)
        end_day = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        start = match.start("mn") if match.group("pre") else match.start()
        spans.append((start, match.end(), start_day, end_day))
    spans.sort()
    mentions: list[DateMention] = []
    i = 0
    while i < len(spans):
        start, end, since, until = spans[i]
        if i + 1 < len(spans) and RANGE_JOIN.match(question[end:spans[i + 1][0]]) and (
            RANGE_OPEN.search(question[:start]) or not question[end:spans[i + 1][0]].strip(" ,").lower() == "and"
        ):
            nxt = spans[i + 1]
            low, high = sorted([since, nxt[3]])
            mentions.append(DateMention(start, nxt[1], question[start:nxt[1]], low, high))
            i += 2
            continue
        bound = BOUND_BEFORE.search(question[:start])
        if bound:
            word = bound.group("word").lower()
            if word in ("since", "no earlier than"):
                since, until = since, None
            elif word == "after":
                since, until = until + timedelta(days=1), None
            elif word == "before":
                since, until = None, since - timedelta(days=1)
            else:  # until, prior to, no later than
                since, until = None, (since - timedelta(days=1) if word == "prior to" else until)
        mentions.append(DateMention(start, end, question[start:end], since, until))
        i += 1
    return mentions


def merge_filters(base: Filters, sources: tuple[str, ...], since: date | None, until: date | None) -> Filters | None:
    """The sub-query's restriction inside the user's own filters; None when they cannot both hold."""
    if base.sources and sources:
        sources = tuple(s for s in sources if s in base.sources)
        if not sources:
            return None
    elif base.sources:
        sources = base.sources
    low = max(filter(None, [since.isoformat() if since else None, base.since]), default=None)
    high = min(filter(None, [until.isoformat() if until else None, base.until]), default=None)
    if low and high and low > high:
        return None
    return Filters(sources, low, high)


def content_words(text: str) -> int:
    return sum(1 for w in re.findall(r"\w+", text.lower()) if len(w) > 2 and w not in FUNCTION_WORDS)


def said_about(question: str, outlets: list[OutletMention], i: int) -> str:
    """What the question says about the i-th outlet: the text between its neighbours' mentions.

    Questions put an outlet's claim after it ("the Fortune article claims X") or before it ("X,
    as reported by The Verge"), so the piece runs from the end of the previous mention to the start
    of the next. When that holds no content words of its own ("'Fortune' and 'TechCrunch' articles
    focus on X and Y, respectively") it runs on into the following pieces; when nothing has any,
    the whole question is what it says.
    """
    start = outlets[i - 1].end if i else 0
    for j in range(i, len(outlets)):
        end = outlets[j + 1].start if j + 1 < len(outlets) else len(question)
        own = question[start:outlets[i].start] + " " + question[outlets[j].end:end]
        if content_words(own) >= MIN_CONTENT_WORDS:
            return question[start:end].strip()
    return question


def parse_query(
    question: str, sources: list[str] | tuple[str, ...] = (), first: date | None = None, last: date | None = None,
    base: Filters | None = None,
) -> ParsedQuery:
    """Outlets and dates in the question, and one sub-query for each outlet mention.

    The question is cut at each outlet mention: the piece from one mention to the next is what the
    question says about that outlet's article, and each date in that piece narrows it to that day
    (with a day of slack either way), one sub-query per date. Dates in a question without outlets become date-only
    sub-queries. Sub-queries stay inside ``base`` (the filters the user set).
    """
    base = base or Filters()
    outlets = find_outlets(question, outlet_aliases(sources))
    dates = find_dates(question, first, last)
    subqueries: list[SubQuery] = []
    if outlets:
        cuts = [0] + [m.start for m in outlets[1:]] + [len(question)]
        for i, mention in enumerate(outlets):
            lo, hi = (cuts[i], cuts[i + 1])
            piece = said_about(question, outlets, i)
            spans = [(d.since, d.until) for d in dates if lo <= d.start < hi] or [(None, None)]
            for since, until in spans:  # "Sporting News on 2023-10-02 and on 2023-11-06": two articles
                merged = merge_filters(
                    base, mention.sources, since - DATE_SLACK if since else None, until + DATE_SLACK if until else None
                )
                if merged is not None:
                    subqueries.append(SubQuery(piece.strip(), merged))
    else:
        for mention in dates:
            merged = merge_filters(
                base, (), mention.since - DATE_SLACK if mention.since else None,
                mention.until + DATE_SLACK if mention.until else None,
            )
            if merged is not None:
                subqueries.append(SubQuery(question, merged))
    return ParsedQuery(question, outlets, dates, subqueries)


def part_admits(passage: Passage, sources: Sequence[str], since: str | None, until: str | None) -> bool:
    """Whether an article may answer a part of a question about these outlets and days (empty: any).
    An undated article is admitted: a part that names a day should not lose the only report it has
    (retrieval's own filters, ``retrieve.within``, leave undated articles out of every date range)."""
    if sources and passage.source not in sources:
        return False
    day = passage.published_at[:10]
    if day and since and day < since:
        return False
    return not (day and until and day > until)
