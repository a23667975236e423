"""The chat page in a real browser (Debian's chromium, driven by Playwright: tests/ui_browser.py)
against pages served on 127.0.0.1 by this process over a small archive whose articles carry
payloads. One browser and each server once for the module; a fresh page per test.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import HUNGARY_SENTENCE, SEED_FILE, make_newsdesk
from openai_server import OpenAITestServer
from ui_browser import browser, open_page, quote_of  # noqa: F401  (fixtures)
from ui_server import ARTIFACTS, serve

SCRIPT = "<script>window.__pwned='script';alert('script')</script>"
IMG = "<img src=x onerror=\"window.__pwned='img';alert('img')\">"
MD_LINK = "[a petition](javascript:window.__pwned='md';alert('md'))"
PAYLOAD_SENTENCE = f"The Zephyr harbour council approved the desalination plant {SCRIPT} after critics posted {MD_LINK} {IMG}."
ARTICLES = [
    {"title": f"Harbour council {IMG} approves plant", "source": "<b>Evil</b> Gazette", "published_at": "2024-05-02",
     "url": "javascript:window.__pwned='url';alert('url')",
     "body": f"The council met on Tuesday evening. {PAYLOAD_SENTENCE} Councillors argued for hours.\n"
             "The Zephyr desalination plant will cost 40 million euros."},
    {"title": "Tunnel under the ridge", "source": "Valley Post", "published_at": "2023-11-20",
     "url": "https://valley.example/tunnel",
     "body": "The Lindqvist regional board approved a new rail tunnel under the ridge.\n"
             "The Lindqvist rail tunnel will cost 2 billion kronor."},
]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-browser-home")
    articles = home.parent / "ui-browser-articles.jsonl"
    articles.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    report = make_newsdesk(home).ingest([SEED_FILE, articles])
    assert report.documents == 3 and not report.failed
    return home


@pytest.fixture(scope="module")
def server(home, browser):
    # top_k=1: retrieval alone decides which article a follow-up is about, so history must matter
    with serve(home, answerer="extractive", top_k=1) as (url, _):
        yield url


def quote_passage_one(body: dict) -> str:
    """The scripted model: the sentences of passage 1, each cited."""
    prompt = body["messages"][-1]["content"]
    passage = re.search(r'<passage n="1"[^>]*>\n(.*?)\n</passage>', prompt, re.S).group(1)
    return " ".join(f"{s[:-1]} [1]{s[-1]}" for s in re.split(r"(?<=[.!?])\s+", passage.strip()))


@pytest.fixture(scope="module")
def llm_page(home, browser):
    with OpenAITestServer() as llm:
        llm.default_reply = quote_passage_one
        llm.pause = (12, 2.0)  # the stream stalls once its first sentence (76 characters) is complete
        with serve(home, answerer="openai", llm_base_url=llm.base_url, llm_model="newsdesk-test-model",
                   llm_max_retries=0, llm_timeout=10, top_k=1) as (url, _):
            yield url


@pytest.fixture
def page(open_page, server):
    return open_page(server)


def card_in_view(page, card_id: str) -> bool:
    return page.page.evaluate(
        """id => { const r = document.getElementById(id).getBoundingClientRect();
                   return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        card_id,
    )


def test_answer_with_highlighted_source_card_and_marker(page):
    answer = page.ask("What did Hungary commit to?")
    assert HUNGARY_SENTENCE in answer
    card = page.page.locator("#nd-sources #nd-s1-1")
    assert quote_of(card) == HUNGARY_SENTENCE
    assert "NATO Approves Training Security And Support Assistance For Ukraine" in card.inner_text()
    assert "2024-06-14" in card.inner_text()
    marker = page.page.locator("#nd-chat a.nd-marker").first
    assert marker.inner_text() == "[1]" and HUNGARY_SENTENCE in marker.get_attribute("title")
    marker.hover()
    assert "nd-hot" in card.get_attribute("class")
    marker.click()
    assert "nd-flash" in card.get_attribute("class") and card_in_view(page, "nd-s1-1")
    assert page.page.url.endswith("/")  # the marker was handled in the page, not followed
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.mouse.move(0, 0)
    page.page.screenshot(path=str(ARTIFACTS / "ui-answered.png"), full_page=True)
    assert (ARTIFACTS / "ui-answered.png").stat().st_size > 10_000
    assert page.dialogs == [] and page.events() == []


def test_follow_up_uses_the_conversation_and_new_conversation_forgets_it(page):
    # The same bare follow-up is asked in two conversations; with top_k=1 only the conversation can
    # steer retrieval to a different article each time.
    page.ask("What did the Lindqvist regional board approve?")
    page.ask("What does it cost?")
    assert "Valley Post" in page.page.locator("#nd-s2-1").inner_text()
    # the first answer's cards are folded away now; its marker still reveals its card
    first_card = page.page.locator("#nd-s1-1")
    assert not first_card.is_visible()
    page.page.locator('#nd-chat a.nd-marker[href="#nd-s1-1"]').click()
    first_card.wait_for(state="visible")
    assert "Lindqvist regional board approved a new rail tunnel" in quote_of(first_card)

    page.page.click("#nd-new")
    page.page.wait_for_function("document.querySelectorAll('#nd-chat [data-testid=\"bot\"]').length === 0")
    assert "Sources appear here" in page.page.locator("#nd-sources").inner_text()
    page.ask("What did the Zephyr harbour council approve?")
    page.ask("What does it cost?")
    assert "Evil" in page.page.locator("#nd-s2-1").inner_text()  # the Zephyr article's outlet


def test_new_conversation_while_an_answer_is_in_flight_stays_new(page):
    page.ask("What did the Lindqvist regional board approve?")
    page.page.fill("#nd-question textarea", "What did the Zephyr harbour council approve?")
    page.page.click("#nd-ask")
    page.page.wait_for_function("document.querySelectorAll('#nd-chat [data-testid=\"user\"]').length === 2")
    page.page.click("#nd-new")  # the second question is on the page: its answer is in flight or just in
    page.page.wait_for_timeout(3000)  # long past when the cancelled answer would have landed
    assert page.page.locator('#nd-chat [data-testid="bot"]').count() == 0
    assert page.page.locator('#nd-chat [data-testid="user"]').count() == 0
    assert "Sources appear here" in page.page.locator("#nd-sources").inner_text()
    page.ask("What did Hungary commit to?")
    assert page.page.locator("#nd-s1-1").count() == 1  # the server's conversation started over too


def test_what_the_filter_boxes_show_is_what_filters(page):
    page.page.click("#nd-filters button")
    since = page.page.locator("#nd-since textarea, #nd-since input")
    since.fill("2024-01-01")
    assert "filtered to from 2024-01-01" in page.ask("What did the Lindqvist regional board approve?")
    since.fill("not a date")
    answer = page.ask("What did the Lindqvist regional board approve?")
    assert "'From' must be a date like 2024-06-14, got 'not a date'" in answer
    since.fill("2020-01-01")
    page.page.fill("#nd-until textarea, #nd-until input", "2020-02-01")
    answer = page.ask("What did the Lindqvist regional board approve?")
    assert "No article in the archive matches the filters (from 2020-01-01; until 2020-02-01)" in answer


def test_a_question_too_long_to_answer_is_told_so_not_cut(page):
    """A pasted question beyond the limit used to be cut silently by the box's maxlength."""
    from assistant.app import MAX_QUESTION_CHARS

    too_long = "What did Hungary commit to? " + "x" * MAX_QUESTION_CHARS
    reply = page.ask(too_long)
    assert f"the question is {len(too_long.strip())} characters long; the limit is {MAX_QUESTION_CHARS}" in reply


def test_sources_scroll_inside_their_panel_and_muted_text_is_readable(page):
    for question in ("What did Hungary commit to?", "What did the Lindqvist regional board approve?",
                     "What did Hungary commit to?", "What did the Lindqvist regional board approve?"):
        page.ask(question)
    page.page.evaluate("document.querySelectorAll('#nd-sources details').forEach(d => d.open = true)")
    panel = page.page.evaluate("""() => { const p = document.getElementById('nd-sources'); const s = getComputedStyle(p);
        return {overflow: s.overflowY, height: p.getBoundingClientRect().height, inner: p.scrollHeight}; }""")
    assert panel["overflow"] == "auto" and panel["height"] <= 641 and panel["inner"] > panel["height"], panel
    # WCAG AA asks 4.5:1 for text; the theme's grey gave the byline and card dates 1.8-1.9:1
    ratios = page.page.evaluate("""() => {
        const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
        const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                           return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const bg = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
                           if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
        return [...document.querySelectorAll('#nd-chat .nd-by, #nd-sources .nd-meta')].map(el => {
            const [a, b] = [lum(getComputedStyle(el).color), lum(bg(el))];
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }); }""")
    assert ratios and min(ratios) >= 4.5, ratios


def test_article_payloads_are_shown_as_text_and_never_run(page):
    answer = page.ask("What did the Zephyr harbour council approve?")
    # the chat shows the quote with its inner double quotes as single curly ones (never doubled marks);
    # the card below shows the exact stored text
    assert SCRIPT in answer and IMG.replace('"', "’") in answer and MD_LINK in answer
    card = page.page.locator("#nd-sources #nd-s1-1")
    text = card.inner_text()
    assert f"Harbour council {IMG} approves plant" in text and "<b>Evil</b> Gazette" in text
    assert quote_of(card) == PAYLOAD_SENTENCE
    card.locator("details.nd-context summary").click()  # the quote in its paragraph, read from the stored text
    context = card.locator("details.nd-context blockquote")
    assert context.locator("mark").inner_text() == PAYLOAD_SENTENCE
    assert context.inner_text().startswith("The council met on Tuesday evening.")
    assert card.locator("a").count() == 0  # the javascript: url did not become a link
    assert "From the file ui-browser-articles.jsonl" in card.inner_text()  # so the card says where it came from
    assert page.page.locator('a[href^="javascript:" i], [onerror], #nd-chat img, #nd-sources img').count() == 0
    page.page.locator("#nd-chat a.nd-marker").first.hover()
    page.page.locator("#nd-chat a.nd-marker").first.click()
    page.page.wait_for_timeout(300)
    assert page.dialogs == [] and page.events() == []
    assert page.page.evaluate("window.__pwned === undefined")
    page.page.screenshot(path=str(ARTIFACTS / "ui-payload.png"), full_page=True)

    # the archive at a glance and its example questions show the outlet's name as text, and so does
    # the conversation when an example is asked
    page.page.click("#nd-new")
    welcome = page.page.locator("#nd-chat .nd-welcome")
    assert "<b>Evil</b> Gazette" in welcome.inner_text() and welcome.locator("b", has_text="Evil").count() == 0
    example = page.page.locator("#nd-chat button.example", has_text="<b>Evil</b> Gazette")
    example.click()
    page.wait_for_answer(0)
    asked = page.page.locator('#nd-chat [data-testid="user"]').last
    assert asked.inner_text() == "What did <b>Evil</b> Gazette report about Harbour?"
    assert page.page.locator("#nd-chat b", has_text="Evil").count() == 0

    # control: the same hook does see a payload that does become live
    page.page.evaluate("""() => { const d = document.createElement('div');
        d.innerHTML = '<img src=x onerror="window.__pwned=1;alert(1)">'; document.body.appendChild(d); }""")
    page.page.wait_for_function("window.__pwned === 1")
    assert any(e.startswith("handler:IMG.onerror") for e in page.events()) and "alert:1" in page.events()


def test_filters_set_in_the_page_restrict_retrieval(page):
    page.page.click("#nd-filters button")
    page.page.click("#nd-outlets input")
    page.page.get_by_role("option", name="Valley Post").click()
    page.page.fill("#nd-since textarea, #nd-since input", "2023-01-01")
    answer = page.ask("What did Hungary commit to?")
    assert "filtered to Valley Post; from 2023-01-01" in answer
    assert HUNGARY_SENTENCE not in answer  # the seed article names no outlet, so it is filtered out
    refused = answer.startswith("None of the articles within the filters (Valley Post; from 2023-01-01) answers this question")
    assert "Valley Post" in page.page.locator("#nd-sources").inner_text() or refused


def test_upload_shows_a_result_per_file_and_updates_the_archive(page, tmp_path):
    good = tmp_path / "orchard-festival.txt"
    good.write_text("---\nsource: Upload Weekly\npublished_at: 2024-09-01\n---\nOrchard festival draws crowds\n\n"
                    "The Brannock orchard festival drew twelve thousand visitors on Saturday.\n")
    bad = tmp_path / "broken.json"
    bad.write_text('{"title": "half an article", ')
    page.page.click("#nd-archive-panel button")  # open the Archive panel
    archive = page.page.locator("#nd-archive")
    archive.get_by_text("articles").wait_for()
    before = int(archive.locator("b").first.inner_text())

    page.page.set_input_files("#nd-upload input[type=file]", [str(good), str(bad)])
    rows = page.page.locator("#nd-upload-results tr.nd-file")
    rows.nth(1).wait_for()
    results = {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text() + " | " + r.locator("td").nth(2).inner_text()
               for r in rows.all()}
    assert results["orchard-festival.txt"].startswith("added | 1 article")
    assert results["broken.json"].startswith("failed | broken.json") and "invalid JSON" in results["broken.json"]
    toast = page.page.get_by_test_id("toast-body")
    toast.first.wait_for()
    assert "1 of 2 files could not be added: broken.json" in toast.first.inner_text()
    page.page.wait_for_function(
        "n => document.querySelector('#nd-archive b').textContent === String(n)", arg=before + 1)
    assert "Upload Weekly" in archive.inner_text()
    glance = page.page.locator("#nd-chat .nd-welcome .nd-glance")  # the empty conversation follows the archive
    page.page.wait_for_function("n => document.querySelector('#nd-chat .nd-glance b').textContent === String(n)", arg=before + 1)
    assert glance.inner_text().startswith(f"{before + 1} articles from 3 outlets")

    page.page.set_input_files("#nd-upload input[type=file]", [str(good)])
    page.page.wait_for_function("document.querySelectorAll('#nd-upload-results tr.nd-file').length === 1")
    assert "unchanged" in rows.first.inner_text()
    assert "Brannock orchard festival drew twelve thousand visitors" in page.ask("How many visitors did the Brannock orchard festival draw?")



def test_a_card_opens_to_its_quote_in_context_and_names_its_file(page):
    page.ask("What did Hungary commit to?")
    card = page.page.locator("#nd-sources #nd-s1-1")
    context = card.locator("details.nd-context")
    assert not context.locator("blockquote").is_visible()  # folded: the card shows the quote alone
    context.locator("summary").click()
    assert context.locator("mark").inner_text() == HUNGARY_SENTENCE
    around = context.locator("blockquote").inner_text()  # a one-sentence paragraph: its neighbours come too
    assert around.startswith("Meanwhile, Hungarian Prime Minister Viktor Orban firmly rejected sending troops")
    assert "Ukrainians think that the more countries" in around
    assert "From the file nato-ukraine-training-2024-06-14.txt" in card.inner_text()  # the seed has no link


def test_the_byline_speaks_plainly_and_the_method_is_one_click_away(page):
    answer = page.ask("What did Hungary commit to?")
    byline = page.page.locator("#nd-chat .nd-by").first.inner_text()
    assert re.fullmatch(r"Quoted from 1 article · (\d+\.\d s|under 0\.1 s)", byline), byline
    assert "how this was answered" in answer and "extractive" not in answer and "MiniLM" not in answer
    page.page.locator("#nd-chat details.nd-how summary").click()
    how = page.page.locator("#nd-chat details.nd-how").inner_text()
    assert "Answered by extractive · all-MiniLM-L6-v2 sentence ranking" in how
    assert "quoted word for word" in how and "Searched 1 passage from 1 article" in how
    # no "Use via API · Built with Gradio · Settings" footer
    assert page.page.locator("footer").count() == 0
    assert not re.search(r"Use via API|Built with Gradio", page.page.locator("body").inner_text())


def test_progress_shows_and_a_generated_answer_arrives_checked_sentence_by_sentence(open_page, llm_page):
    view = open_page(llm_page)
    view.page.fill("#nd-question textarea", "What did the Lindqvist regional board approve?")
    view.page.click("#nd-ask")
    checking = view.page.locator("#nd-chat .nd-stage", has_text="Checking each sentence against the sources…")
    checking.wait_for()  # the model's stream stalls after its first sentence
    bot = view.page.locator('#nd-chat [data-testid="bot"]').last
    partial = bot.inner_text()
    assert "The Lindqvist regional board approved a new rail tunnel under the ridge" in partial
    assert "2 billion kronor" not in partial
    view.wait_for_answer(0)
    final = bot.inner_text()
    assert "2 billion kronor" in final and view.page.locator("#nd-chat .nd-stage").count() == 0
    assert re.search(r"Written from 1 article · checked against the sources · \d+\.\d s", final), final
    view.page.locator("#nd-chat details.nd-how summary").click()
    assert "Answered by openai · newsdesk-test-model" in bot.inner_text()
