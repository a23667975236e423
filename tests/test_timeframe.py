"""Answering as on a day: relative time words read against as_of, the cut-off, the recency prior,
and ``ask --as-of`` choosing between two dated articles."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from conftest import cli_json, make_newsdesk, run_cli

from assistant import timeframe
from assistant.timeframe import date_window, known_on, passages_for, recency_boost
from ingest.types import Filters, Passage

THURSDAY = date(2022, 6, 16)  # a quiz date (a Thursday)


def window(question: str, as_of: date = THURSDAY) -> tuple[date, date] | None:
    found = date_window(question, as_of)
    return (found.since, found.until) if found else None


def test_this_week_is_the_seven_days_up_to_as_of():
    assert window("Who won the primary this week?") == (date(2022, 6, 10), date(2022, 6, 16))
    assert window("What happened this past week?") == (date(2022, 6, 10), date(2022, 6, 16))
    assert window("What was decided last week?") == (date(2022, 6, 3), date(2022, 6, 9))
    assert date_window("Who resigned this week?", THURSDAY).words == "this week"


def test_days_named_relative_to_as_of():
    assert window("What did the court rule yesterday?") == (date(2022, 6, 15), date(2022, 6, 15))
    assert window("What closed today?") == (THURSDAY, THURSDAY)
    assert window("Who spoke on Tuesday?") == (date(2022, 6, 14), date(2022, 6, 14))
    assert window("Who spoke on Thursday?") == (THURSDAY, THURSDAY)  # asked on a Thursday: that day
    assert window("Who spoke last Thursday?") == (date(2022, 6, 9), date(2022, 6, 9))
    assert window("What opened this weekend?") == (date(2022, 6, 11), date(2022, 6, 12))


def test_months_years_and_recently():
    assert window("What rose last month?") == (date(2022, 5, 1), date(2022, 5, 31))
    assert window("What rose last month?", date(2022, 1, 10)) == (date(2021, 12, 1), date(2021, 12, 31))
    assert window("What rose this month?") == (date(2022, 6, 1), THURSDAY)
    assert window("Over the past month, what rose?") == (THURSDAY - timedelta(days=30), THURSDAY)
    assert window("Which film won last year?") == (date(2021, 1, 1), date(2021, 12, 31))
    assert window("Which film won this year?") == (date(2022, 1, 1), THURSDAY)
    assert window("Which show was recently renewed?") == (THURSDAY - timedelta(days=30), THURSDAY)


def test_several_phrases_cover_them_all_and_none_gives_none():
    assert window("Yesterday and last week, who spoke?") == (date(2022, 6, 3), date(2022, 6, 15))
    assert date_window("Which continent will require a common charger?", THURSDAY) is None
    assert date_window("Who wrote The Week's story?", THURSDAY) is None  # an outlet, not a span
    assert date_window("Did Mondays become shorter?", THURSDAY) is None
    assert date_window("What did a USA TODAY poll find?", THURSDAY) is None  # names holding a time word
    assert date_window("What sold best on Black Friday and Cyber Monday?", THURSDAY) is None


def test_known_on_leaves_out_what_was_published_later(monkeypatch):
    monkeypatch.setattr(timeframe, "KNOWN_LEAD", timedelta(days=2))
    assert known_on(Filters(("CNN",), "2022-01-01"), THURSDAY) == Filters(("CNN",), "2022-01-01", "2022-06-18")
    assert known_on(Filters(until="2022-06-01"), THURSDAY) == Filters(until="2022-06-01")  # already earlier
    assert known_on(Filters(("CNN",)), None) == Filters(("CNN",))
    monkeypatch.setattr(timeframe, "KNOWN_LEAD", None)
    assert known_on(Filters(), THURSDAY) == Filters()


def test_recency_boost_prefers_days_near_as_of():
    near, week, years = (recency_boost(day, THURSDAY) for day in ("2022-06-15", "2022-06-09", "2019-06-16"))
    assert near > week > years >= 1.0
    assert years == pytest.approx(1.0, abs=1e-6)
    assert recency_boost("2022-06-17", THURSDAY) == recency_boost("2022-06-16", THURSDAY)  # the next day's report
    assert recency_boost("", THURSDAY) == 1.0  # undated: no preference either way


def test_answers_come_from_the_window_when_it_has_passages():
    def dated(doc_id: str, day: str) -> Passage:
        return Passage(f"{doc_id}#0", doc_id, "text", 0, 4, 0.0, published_at=day)

    old, late, fresh = dated("old", "2021-06-15"), dated("late", "2022-06-18"), dated("fresh", "2022-06-09")
    ranked = [old, late, fresh]
    assert passages_for("Who won this week?", ranked, THURSDAY) == [late, fresh]  # a day early, two late
    assert passages_for("Who won this week?", [old], THURSDAY) == [old]  # none within: all of them
    assert passages_for("Who won?", ranked, THURSDAY) == ranked  # no time words: no window
    assert passages_for("Who won this week?", ranked, None) == ranked


def test_ask_as_of_changes_which_dated_article_answers_this_week(tmp_path):
    """Two reports of the same race a year apart: "this week" asked on each date picks that year's winner."""
    articles = [
        {"title": "Harbour regatta won by the Tern", "url": "https://news.example/2021/regatta",
         "source": "Coast News", "published_at": "2021-05-12",
         "body": "The harbour regatta was won this week by the sloop Tern, skippered by Ada Holm. "
                 "Fog delayed the start by an hour, and two boats retired with torn sails before the first mark. "
                 "The club plans a new slipway next spring."},
        {"title": "Harbour regatta won by the Petrel", "url": "https://news.example/2022/regatta",
         "source": "Coast News", "published_at": "2022-05-11",
         "body": "The harbour regatta was won this week by the sloop Petrel, skippered by Bo Lind. "
                 "A record fleet of forty boats started in bright sunshine, and the lead changed hands three times. "
                 "Prize money doubled after a local brewery joined as sponsor."},
    ]
    corpus = tmp_path / "regatta.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in articles))
    home = tmp_path / "home"
    desk = make_newsdesk(home)
    assert desk.ingest([corpus]).chunks_added >= 2
    question = "Which sloop won the harbour regatta this week?"
    cited = {}
    for as_of in ("2021-05-13", "2022-05-12"):
        code, answer, _ = cli_json("ask", question, "--as-of", as_of, home=home)
        assert code == 0 and not answer["refused"]
        cited[as_of] = answer["citations"][0]["doc_id"]
    assert cited == {"2021-05-13": articles[0]["url"], "2022-05-12": articles[1]["url"]}
    # the core's own parameter, and the first ranked article for each day
    assert desk.retrieve(question, k=1, as_of=date(2021, 5, 13))[0].doc_id == articles[0]["url"]
    assert desk.retrieve(question, k=1, as_of=date(2022, 5, 12))[0].doc_id == articles[1]["url"]
    bad = run_cli("ask", question, "--as-of", "12/05/2022", home=home)
    assert bad.returncode == 2 and "--as-of must be a date like" in bad.stderr
