"""Query understanding: outlets, dates and ranges read against what the archive holds."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.query import find_dates, find_outlets, outlet_aliases, parse_query, resolve_sources
from ingest.types import Filters

SOURCES = ["The Verge", "TechCrunch", "Wired", "The Age", "Cnbc | World Business News Leader",
           "FOX News - Health", "FOX News - Lifestyle", "The Independent - Life and Style", "Sporting News"]
FIRST, LAST = date(2023, 9, 1), date(2023, 12, 31)


def outlets(question: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.text, m.sources) for m in find_outlets(question, outlet_aliases(SOURCES))]


def test_outlets_by_archive_name_and_short_forms():
    assert outlets("Does the article from The Verge agree with TechCrunch?") == [
        ("The Verge", ("The Verge",)), ("TechCrunch", ("TechCrunch",))]
    assert outlets("as reported by CNBC and The Independent") == [
        ("CNBC", ("Cnbc | World Business News Leader",)), ("The Independent", ("The Independent - Life and Style",))]
    assert outlets("a Fox News report") == [("Fox News", ("FOX News - Health", "FOX News - Lifestyle"))]
    assert outlets("the FOX News - Health article") == [("FOX News - Health", ("FOX News - Health",))]


def test_one_word_outlets_need_a_capital_and_unknown_outlets_are_ignored():
    assert outlets("wired headphones in the age of streaming") == []
    assert outlets("According to Wired and Bloomberg") == [("Wired", ("Wired",))]


def test_days_in_the_forms_questions_use():
    found = find_dates("on 2023-11-24, on November 25, 2023, on Oct. 18th and 3 December 2023", FIRST, LAST)
    assert [(d.since, d.until) for d in found] == [
        (date(2023, 11, 24), date(2023, 11, 24)), (date(2023, 11, 25), date(2023, 11, 25)),
        (date(2023, 10, 18), date(2023, 10, 18)), (date(2023, 12, 3), date(2023, 12, 3))]


def test_year_comes_from_the_archive_span():
    assert find_dates("published on October 18th", date(2022, 9, 1), date(2022, 12, 1))[0].since == date(2022, 10, 18)


def test_ranges_months_and_open_bounds():
    between = find_dates("between October 1 and October 15, 2023", FIRST, LAST)
    assert [(d.since, d.until) for d in between] == [(date(2023, 10, 1), date(2023, 10, 15))]
    assert [(d.since, d.until) for d in find_dates("in November 2023", FIRST, LAST)] == [
        (date(2023, 11, 1), date(2023, 11, 30))]
    assert [(d.since, d.until) for d in find_dates("since 2023-10-05", FIRST, LAST)] == [(date(2023, 10, 5), None)]
    assert [(d.since, d.until) for d in find_dates("before 2023-10-05", FIRST, LAST)] == [(None, date(2023, 10, 4))]
    # a written-out year's comma before "and" keeps a range a range
    between = find_dates("between November 9, 2023, and December 21, 2023?", FIRST, LAST)
    assert [(d.since, d.until) for d in between] == [(date(2023, 11, 9), date(2023, 12, 21))]
    assert len(find_dates("on October 6, 2023, and October 20, 2023", FIRST, LAST)) == 2
    # two dates for two reports are two days, not a range
    assert len(find_dates("the report on 2023-11-24 and the report on 2023-11-25", FIRST, LAST)) == 2


def test_a_question_with_no_outlet_or_date():
    parsed = parse_query("Who founded the company that makes the iPhone?", SOURCES, FIRST, LAST)
    assert parsed.outlets == [] and parsed.dates == [] and parsed.subqueries == []
    assert find_dates("The May meeting may slip", FIRST, LAST) == []


def test_subqueries_per_outlet_with_their_dates_and_claims():
    question = ("Between the report from The Verge on 2023-11-24 about travel adapters and the report "
                "from Wired on 2023-11-25 about power banks, is there consistency?")
    subs = parse_query(question, SOURCES, FIRST, LAST).subqueries
    assert [s.filters for s in subs] == [
        Filters(("The Verge",), "2023-11-23", "2023-11-25"), Filters(("Wired",), "2023-11-24", "2023-11-26")]
    assert "travel adapters" in subs[0].text and "power banks" not in subs[0].text
    assert "power banks" in subs[1].text and "travel adapters" in subs[1].text  # text on both sides of a mention


def test_claims_before_the_mention_and_shared_claims():
    question = "Who, as reported by The Verge and TechCrunch, was convicted of fraud?"
    subs = parse_query(question, SOURCES, FIRST, LAST).subqueries
    assert len(subs) == 2 and all("convicted of fraud" in s.text for s in subs)


def test_subqueries_stay_inside_the_users_filters():
    question = "Does TechCrunch agree with The Verge about chips?"
    subs = parse_query(question, SOURCES, FIRST, LAST, Filters(("TechCrunch",), "2023-10-01", None)).subqueries
    assert [s.filters for s in subs] == [Filters(("TechCrunch",), "2023-10-01", None)]
    dated = parse_query("What did TechCrunch report on 2023-09-20?", SOURCES, FIRST, LAST, Filters((), "2023-10-01", None))
    assert dated.subqueries == []  # the day lies outside the user's range


def test_source_filters_resolve_to_archive_outlets_in_any_case_and_short_form():
    assert resolve_sources(["techcrunch", " The  Verge "], SOURCES) == ("TechCrunch", "The Verge")
    assert resolve_sources(["FOX News"], SOURCES) == ("FOX News - Health", "FOX News - Lifestyle")
    assert resolve_sources(["cnbc | world business news leader"], SOURCES) == ("Cnbc | World Business News Leader",)
    assert resolve_sources([], SOURCES) == ()


def test_unknown_source_filter_is_an_error_naming_it_and_the_closest_outlets():
    with pytest.raises(ValueError, match=r"source 'Techcrunh' is not an outlet in the archive; did you mean 'TechCrunch'\?"):
        resolve_sources(["Techcrunh"], SOURCES)
    with pytest.raises(ValueError, match=r"^source 'Le Monde' is not an outlet in the archive \(`newsdesk status` lists its 9\)$"):
        resolve_sources(["Le Monde"], SOURCES)
    with pytest.raises(ValueError, match="it names no outlet"):
        resolve_sources(["The Verge"], [])
