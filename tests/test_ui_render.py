"""The chat page's pure helpers: escaping, markers, bylines, source cards and their context, the
archive at a glance, progress, upload results, filters, logins."""

from __future__ import annotations

import re

import pytest

from assistant.app import Stage
from assistant.settings import load_settings
from ingest.types import Filters
from assistant.types import Answer, Citation
from assistant.serving import auth_users
from assistant.render import (
    answer_markdown,
    archive_html,
    byline,
    citation_card,
    escape_markdown,
    file_result,
    make_filters,
    outlets_html,
    safe_link,
    sources_panel,
    stage_line,
    welcome_html,
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


def test_byline_says_in_plain_words_where_the_answer_comes_from_and_folds_the_method():
    cited = [citation(1), citation(2, doc_id="doc-2"), citation(3)]
    answer = Answer("q", "t", False, "openai", "gpt-4o-mini", cited, timings={"total_s": 1.25, "retrieve_s": 0.2, "answer_s": 1.05},
                    usage={"prompt_tokens": 900, "completion_tokens": 40})
    plain, how = byline(answer, Filters(("Valley Post",), "2024-01-01", None)).split("\n\n")
    assert plain == ('<span class="nd-by">Written from 2 articles · checked against the sources · 1\\.2 s · '
                     "filtered to Valley Post; from 2024\\-01\\-01</span>")
    assert how.startswith('<details class="nd-how"><summary>how this was answered</summary>')
    # an HTML block of the chat's Markdown: HTML-escaped only, as it is shown as written
    assert "Answered by openai · gpt-4o-mini<br>A language model wrote a draft" in how
    assert "search 0.20 s; answer 1.05 s" in how and "900 prompt tokens · 40 completion tokens." in how
    quoted = Answer("q", "t", False, "extractive", "all-MiniLM-L6-v2 <ranking>", [citation()], timings={"total_s": 0.01})
    plain, how = byline(quoted, Filters()).split("\n\n")
    assert plain == '<span class="nd-by">Quoted from 1 article · under 0\\.1 s</span>'
    assert "Answered by extractive · all-MiniLM-L6-v2 &lt;ranking&gt;" in how and "quoted word for word" in how
    refused = Answer("q", "The archive does not say.", True, "extractive", "m", timings={"total_s": 0.4})
    assert byline(refused, Filters()).startswith('<span class="nd-by">Searched the archive · 0\\.4 s</span>')


def test_progress_names_each_stage_plainly():
    assert stage_line(Stage("searching")) == '<span class="nd-stage">Searching the archive…</span>'
    assert stage_line(Stage("reading", 3)) == '<span class="nd-stage">Reading 3 articles…</span>'
    assert stage_line(Stage("reading", 1)) == '<span class="nd-stage">Reading 1 article…</span>'
    assert stage_line(Stage("reading", 0)) == '<span class="nd-stage">Found no article to read…</span>'
    assert "Checking each sentence against the sources…" in stage_line(Stage("checking"))


def test_answering_reports_its_stages_in_order_when_asked(seed_desk):
    items = list(seed_desk.ask_stream("What did Hungary commit to?", stages=True))
    stages = [item for item in items if isinstance(item, Stage)]
    assert stages == [Stage("searching"), Stage("reading", 1), Stage("checking")]
    assert items.index(Stage("checking")) == items.index(stages[-1]) < next(i for i, x in enumerate(items) if isinstance(x, str))
    assert isinstance(items[-1], Answer) and not items[-1].refused
    assert not any(isinstance(item, Stage) for item in seed_desk.ask_stream("What did Hungary commit to?"))


def test_card_shows_the_quote_and_opens_to_its_paragraph_escaping_everything():
    card = citation_card(citation(), ARTICLE, turn=2)
    assert 'id="nd-s2-1"' in card
    assert "<blockquote><mark>It approved &lt;b&gt;the plan&lt;/b&gt; on Tuesday.</mark></blockquote>" in card
    # a paragraph adding little to its quote comes with the paragraphs either side
    assert ('<details class="nd-context"><summary>Read it in context</summary><blockquote>Intro line.\nThe council met. '
            "<mark>It approved &lt;b&gt;the plan&lt;/b&gt; on Tuesday.</mark> Then it left.\nLast line.</blockquote></details>") in card
    assert "From the file" not in card  # it has a link
    assert '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">' in card
    assert "<img" not in card and "&lt;img src=x onerror=alert(1)&gt;" in card
    assert "Daily &lt;i&gt;Bugle&lt;/i&gt; · 2024-03-05" in card


def test_card_without_safe_link_or_stored_text_still_shows_the_quote_and_its_file():
    card = citation_card(citation(url="javascript:alert(1)", path="/srv/uploads/x1/council <notes>.txt"), None, turn=1)
    assert "<a " not in card and "javascript" not in card
    assert f"<mark>{QUOTE.replace('<', '&lt;').replace('>', '&gt;')}</mark>" in card
    assert '<div class="nd-meta nd-origin">From the file council &lt;notes&gt;.txt</div>' in card  # by name only
    assert "/srv/uploads" not in card and "nd-context" not in card  # no stored text: nothing to open


def test_a_brief_paragraph_opens_with_its_neighbours_and_a_long_one_is_cut_at_a_space():
    text = "First paragraph of the story.\n\nThe quoted sentence.\n\nWhat came next.\n\nThe end."
    start = text.index("The quoted")
    card = citation_card(citation(quote="The quoted sentence.", start=start, end=start + 20), text, 1)
    assert ("<blockquote>First paragraph of the story.\n\n<mark>The quoted sentence.</mark>\n\nWhat came next."
            "</blockquote></details>") in card
    long = "word " * 300 + "The quoted sentence. " + "more " * 300
    start = long.index("The quoted")
    card = citation_card(citation(quote="The quoted sentence.", start=start, end=start + 20), long, 1)
    context = re.search(r'nd-context"><summary>Read it in context</summary><blockquote>(.*?)</blockquote>', card, re.S).group(1)
    assert context.startswith("…word ") and context.endswith(" more…") and len(context) < 1300
    rich = "Before.\n" + "Context " * 20 + "The quoted sentence." + "\nAfter."
    start = rich.index("The quoted")
    card = citation_card(citation(quote="The quoted sentence.", start=start, end=start + 20), rich, 1)
    assert "Before." not in card and "After." not in card  # its paragraph says enough around it
    alone = citation_card(citation(quote="Alone.", start=0, end=6), "Alone.", 1)
    assert "nd-context" not in alone  # nothing around it to show
    moved = citation_card(citation(), "Another text entirely, edited since.", 1)
    assert "nd-context" not in moved  # the stored text no longer holds the quote there


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


SPAN = 'published <span class="nd-date">2023-01-02</span> to <span class="nd-date">2024-06-14</span>'


def test_archive_summary_shows_counts_outlets_and_span():
    out = archive_html(ArchiveSummary(12, 40, ["A <Times>", "B"], "2023-01-02T00:00", "2024-06-14"), {"A <Times>": 9, "B": 3})
    assert f"<b>12</b> articles, <b>40</b> passages · {SPAN}</p>" in out
    assert '2 outlets:</div><span class="nd-outlets"><span class="nd-outlet">A &lt;Times&gt;&nbsp;<span class="nd-count">9</span>' in out
    assert "empty" in archive_html(ArchiveSummary(0, 0, [], None, None), {})


def test_outlets_are_compact_the_biggest_first_and_the_rest_behind_more():
    counts = {f"Outlet {n}": n for n in range(1, 9)} | {"<i>Big</i>": 20}
    out = outlets_html(counts)
    shown, more = out.split('<details class="nd-more">')
    assert re.findall(r'nd-outlet">(.*?)&nbsp;', shown) == ["&lt;i&gt;Big&lt;/i&gt;", "Outlet 8", "Outlet 7", "Outlet 6", "Outlet 5"]
    assert more.startswith("<summary>4 more</summary>") and "Outlet 1&nbsp;" in more and "Outlet 5" not in more
    assert "nd-more" not in outlets_html({"A": 1, "B": 2})


def test_the_empty_conversation_says_what_the_archive_holds():
    out = welcome_html(ArchiveSummary(12, 40, ["A <Times>"], "2023-01-02", "2024-06-14"), {"A <Times>": 12})
    assert out.startswith(f'<div class="nd-welcome"><p class="nd-glance"><b>12</b> articles from <b>1</b> outlet, {SPAN}.</p>')
    assert "A &lt;Times&gt;" in out and "<Times>" not in out
    assert "\n" not in out  # one HTML block: the chat's Markdown would end it at a blank line
    assert "The archive is empty" in welcome_html(ArchiveSummary(0, 0, [], None, None), {})


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


def test_a_headline_citation_shows_the_headline_and_opens_to_the_opening_paragraph():
    headline = "Council <b>approves</b> plan"
    card = citation_card(citation(quote=headline, start=0, end=len(headline), field="title"), ARTICLE, turn=1)
    assert "<blockquote><mark>Council &lt;b&gt;approves&lt;/b&gt; plan</mark> <span class=\"nd-where\">(the headline)</span>" in card
    assert "<blockquote><mark>Council &lt;b&gt;approves&lt;/b&gt; plan</mark>\n\nIntro line.</blockquote></details>" in card
    assert "The council met." not in card  # the opening paragraph only


def test_an_answer_about_an_unmentioned_name_carries_the_caveat_escaped():
    answer = Answer("q", "Hungary promised [1].", False, "extractive", "m", [citation()], unmentioned=["Satya <b>Nadella</b>"])
    out = answer_markdown(answer, 1)
    assert out.startswith('<span class="nd-caveat">None of the passages found mentions Satya &lt;b&gt;Nadella&lt;/b&gt;')
    assert "<b>" not in out


def test_a_card_names_the_other_outlets_that_published_the_story_as_text():
    from ingest.manifest import Copy

    also = (Copy("Coast <b>Wire</b>", "https://wire.example/a"), Copy("", "https://mirror.example/a"),
            Copy("Coast <b>Wire</b>", "https://wire.example/b"))
    card = citation_card(citation(), ARTICLE, turn=1, also=also)
    assert ('<div class="nd-meta nd-also">Also published by Coast &lt;b&gt;Wire&lt;/b&gt;, https://mirror.example/a</div>'
            in card)
    assert 'href="https://wire.example' not in card  # named, never linked
    assert "nd-also" not in citation_card(citation(), ARTICLE, turn=1)
