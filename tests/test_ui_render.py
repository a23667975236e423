"""The chat page's pure helpers: escaping, markers, source cards, upload results, filters, logins."""

from __future__ import annotations

import re

import pytest

from assistant.settings import load_settings
from ingest.types import Filters
from assistant.types import Answer, Citation
from assistant.render import (
    answer_markdown,
    archive_html,
    auth_users,
    byline,
    citation_card,
    escape_markdown,
    file_result,
    make_filters,
    safe_link,
    sources_panel,
)
from ingest.loaders import Failure
from ingest.manifest import ArchiveSummary
from ingest.pipeline import IngestReport

ARTICLE = "Intro line.\nThe council met. It approved <b>the plan</b> on Tuesday. Then it left.\nLast line."
QUOTE = "It approved <b>the plan</b> on Tuesday."


def citation(n=1, **extra) -> Citation:
    start = ARTICLE.index(QUOTE)
    fields = dict(n=n, doc_id="doc-1", title="Council <img src=x onerror=alert(1)>", source="Daily <i>Bugle</i>",
                  published_at="2024-03-05T10:00:00", url="https://example.org/a?b=1&c=2", quote=QUOTE,
                  start=start, end=start + len(QUOTE))
    return Citation(**{**fields, **extra})


def test_escape_markdown_leaves_no_markup_links_or_maths():
    text = "<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://e/i.png) *b* https://evil.example $$x$$"
    out = escape_markdown(text)
    assert "<" not in out and ">" not in out
    # every character that could start a link, image, autolink, emphasis or maths is backslash-escaped
    assert re.findall(r"(?<!\\)[\[\]()*$:!]", out) == []
    assert "\\]\\(" in out and "\\$\\$" in out and "https\\://" in out and "\\*b\\*" in out
    assert "&lt;script&gt;" in out


def test_safe_link_only_lets_http_through():
    assert safe_link("https://example.org/x") == "https://example.org/x"
    assert safe_link("HTTP://example.org") == "HTTP://example.org"
    for bad in ("javascript:alert(1)", "data:text/html,<b>", "/etc/passwd", "", "https://a b"):
        assert safe_link(bad) is None


def test_markers_become_links_to_their_cards_and_text_stays_escaped():
    answer = Answer("q?", "“It approved <b>the plan</b> on Tuesday” [1] and [7].", False, "extractive", "m",
                    [citation()])
    out = answer_markdown(answer, turn=3)
    links = re.findall(r'<a class="nd-marker" href="#([^"]+)" title="([^"]*)">\[(\d)\]</a>', out)
    assert links == [("nd-s3-1", "Daily &lt;i&gt;Bugle&lt;/i&gt;: " + QUOTE.replace("<", "&lt;").replace(">", "&gt;"), "1")]
    assert "\\[7\\]" in out  # a marker with no citation stays text
    assert "<b>" not in out and "&lt;b&gt;" in out


def test_refusal_is_said_plainly():
    answer = Answer("q?", "The archive does not say: none of the articles I found answers this question.", True,
                    "extractive", "m")
    out = answer_markdown(answer, 1)
    assert 'class="nd-refused"' in out and "archive does not say" in out
    assert "nd-marker" not in out


def test_byline_names_answerer_model_time_and_filters():
    answer = Answer("q", "t", False, "openai", "gpt-4o-mini", timings={"total_s": 1.25})
    out = byline(answer, Filters(("Valley Post",), "2024-01-01", None))
    assert "Answered by openai · gpt\\-4o\\-mini" in out and "1\\.2 s" in out
    assert "filtered to Valley Post; from 2024\\-01\\-01" in out


def test_card_highlights_the_quote_inside_its_paragraph_and_escapes_everything():
    card = citation_card(citation(), ARTICLE, turn=2)
    assert 'id="nd-s2-1"' in card
    assert "<blockquote>The council met. <mark>It approved &lt;b&gt;the plan&lt;/b&gt; on Tuesday.</mark> Then it left.</blockquote>" in card
    assert "Intro line" not in card and "Last line" not in card
    assert '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">' in card
    assert "<img" not in card and "&lt;img src=x onerror=alert(1)&gt;" in card
    assert "Daily &lt;i&gt;Bugle&lt;/i&gt; · 2024-03-05" in card


def test_card_without_safe_link_or_stored_text_still_shows_the_quote():
    card = citation_card(citation(url="javascript:alert(1)"), None, turn=1)
    assert "<a " not in card and "javascript" not in card
    assert f"<mark>{QUOTE.replace('<', '&lt;').replace('>', '&gt;')}</mark>" in card


def test_sources_panel_keeps_the_newest_answer_open():
    panel = sources_panel([("first <q>", "<p>A</p>"), ("second", "<p>B</p>")])
    assert panel.index("second") < panel.index("<p>B</p>") < panel.index("<details>") < panel.index("<p>A</p>")
    assert "Earlier: “first &lt;q&gt;”" in panel


@pytest.mark.parametrize(
    ("report", "status", "detail"),
    [
        (IngestReport(files=1, documents=2, chunks_added=5), "added", "2 articles, 5 passages"),
        (IngestReport(files=1, documents=1, chunks_added=1, chunks_removed=2), "replaced", "1 article, 1 passage"),
        (IngestReport(files=1, documents=1, unchanged=1), "unchanged", "1 article already in the archive"),
        (IngestReport(files=1, failed=[Failure("/tmp/x/bad.json:1", "invalid JSON: Expecting value (column 1)")]),
         "failed", "bad.json:1: invalid JSON: Expecting value (column 1)"),
        (IngestReport(files=1, documents=3, chunks_added=3, failed=[Failure("/u/a.jsonl:4", "no body")]),
         "partly added", "3 articles, 3 passages; 1 failed: a.jsonl:4: no body"),
    ],
)
def test_file_result(report, status, detail):
    result = file_result("f.json", report)
    assert (result.status, result.detail) == (status, detail)


def test_archive_summary_shows_counts_outlets_and_span():
    out = archive_html(ArchiveSummary(12, 40, ["A <Times>", "B"], "2023-01-02T00:00", "2024-06-14"))
    assert "<b>12</b> articles, <b>40</b> passages · published 2023-01-02 to 2024-06-14" in out
    assert "2 outlets: A &lt;Times&gt;, B" in out
    assert "empty" in archive_html(ArchiveSummary(0, 0, [], None, None))


def test_filters_from_the_page():
    assert make_filters(None, None, "") == Filters()
    assert make_filters(["X"], " 2024-01-02 ", "2024-02-03") == Filters(("X",), "2024-01-02", "2024-02-03")
    for typed in ("soon", "not a date", "14/10/2023", "2023-13-45", "2023-10-01 and more"):
        with pytest.raises(ValueError, match=f"'From' must be a date like 2024-06-14, got '{typed}'"):
            make_filters([], typed, None)
    with pytest.raises(ValueError, match="the date range is empty"):
        make_filters([], "2024-02-01", "2024-01-01")


def test_logins_from_setting_and_file(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("# readers\nann:pw:with:colons\n\nbob: secret \n")
    assert auth_users(load_settings(home=tmp_path)) is None
    assert auth_users(load_settings(home=tmp_path, auth="eve:x", auth_file=users)) == [
        ("eve", "x"), ("ann", "pw:with:colons"), ("bob", " secret")
    ]


def test_bad_login_lines_name_the_place_not_the_secret(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("ann:ok\nhunter2\n")
    with pytest.raises(ValueError) as caught:
        auth_users(load_settings(home=tmp_path, auth_file=users))
    assert str(caught.value) == f"{users}:2: expected user:password"
    with pytest.raises(ValueError, match="^NEWSDESK_AUTH: expected user:password$"):
        auth_users(load_settings(home=tmp_path, auth="justapassword"))
    with pytest.raises(ValueError, match="cannot read the users file"):
        auth_users(load_settings(home=tmp_path, auth_file=tmp_path / "missing"))


def test_a_headline_citation_shows_the_headline_marked_as_such():
    headline = "Council <b>approves</b> plan"
    card = citation_card(citation(quote=headline, start=0, end=len(headline), field="title"), ARTICLE, turn=1)
    assert "<mark>Council &lt;b&gt;approves&lt;/b&gt; plan</mark> <span class=\"nd-where\">(the headline)</span>" in card
    assert "The council met." not in card  # not a paragraph of the body


def test_an_answer_about_an_unmentioned_name_carries_the_caveat_escaped():
    answer = Answer("q", "Hungary promised [1].", False, "extractive", "m", [citation()], unmentioned=["Satya <b>Nadella</b>"])
    out = answer_markdown(answer, 1)
    assert out.startswith('<span class="nd-caveat">None of the passages found mentions Satya &lt;b&gt;Nadella&lt;/b&gt;')
    assert "<b>" not in out
