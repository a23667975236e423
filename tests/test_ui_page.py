"""The chat page a reader first sees, in Chromium on a wide screen (1280x900) and a phone (390x844),
over the bundled sample archive: the archive at a glance on the empty page, the sources beside the
answer or right after it, and the screenshots the docs show (test-artifacts/chat-*.png, copied to
docs/images/).
"""

from __future__ import annotations

import re

import pytest
from ui_browser import PHONE, browser, open_page, quote_of  # noqa: F401  (fixtures)
from ui_server import ARTIFACTS, serve

from assistant.examples import example_questions


@pytest.fixture(scope="module")
def showcase(mhrag_home, browser):
    """The bundled sample archive (326 articles, 37 outlets), as a reader would first see Newsdesk."""
    with serve(mhrag_home, answerer="extractive") as (url, nd):
        yield url, nd


def test_the_empty_page_shows_the_archive_at_a_glance_and_asks_its_examples(open_page, showcase):
    url, nd = showcase
    view = open_page(url)
    summary, listing = nd.manifest.summary(), nd.manifest.listing()
    welcome = view.page.locator("#nd-chat .nd-welcome")
    glance = welcome.locator(".nd-glance").inner_text()
    assert glance == (f"{summary.documents} articles from {len(summary.sources)} outlets, "
                      f"published {summary.published_at_min[:10]} to {summary.published_at_max[:10]}.")
    shown = welcome.locator(":scope > div > .nd-outlets .nd-outlet").all_inner_texts()
    assert shown == ["Sporting News\u00a059", "TechCrunch\u00a055", "The Verge\u00a025", "Polygon\u00a017", "Fortune\u00a014"]
    examples = view.page.locator("#nd-chat button.example").all_inner_texts()
    assert examples == example_questions(listing, 3) and len(examples) == 3
    titles = " ".join(entry.title for entry in listing)
    for example in examples:  # each about something the archive's own headlines name
        assert re.fullmatch(r"What did .+ report about (.+)\?", example).group(1) in titles
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "chat-empty-1280.png"))

    more = welcome.locator("details.nd-more")
    assert more.locator("summary").inner_text() == f"{len(summary.sources) - 5} more"
    assert not more.locator(".nd-outlets").is_visible()
    more.locator("summary").click()
    assert "The Independent - Travel\u00a01" in more.locator(".nd-outlets").inner_text()

    view.page.locator("#nd-chat button.example").nth(1).click()  # asks it
    view.wait_for_answer(0)
    assert view.page.locator('#nd-chat [data-testid="user"]').inner_text() == examples[1]
    assert view.page.locator("#nd-sources .nd-group-title").inner_text() == f"Sources for “{examples[1]}”"


def test_wide_screen_puts_the_sources_beside_the_answer(open_page, showcase):
    view = open_page(showcase[0])
    view.ask("Which outlet reported on the Beeper Mini?")
    chat, card, question = view.box("#nd-chat"), view.box("#nd-sources .nd-card"), view.box("#nd-question")
    assert card["x"] >= chat["x"] + chat["width"] and card["y"] < chat["y"] + chat["height"]
    assert question["y"] >= chat["y"] + chat["height"] and abs(question["x"] - chat["x"]) <= 2  # under the conversation
    view.page.mouse.move(0, 0)
    view.page.screenshot(path=str(ARTIFACTS / "chat-1280.png"))


def test_on_a_phone_the_sources_follow_the_answer_and_the_controls_come_after(open_page, showcase):
    view = open_page(showcase[0], PHONE)
    view.ask("Which outlet reported on the Beeper Mini?")
    answer = view.box('#nd-chat [data-testid="bot"]:last')
    cards = [view.box(f"#nd-s1-{n}") for n in (1, 2)]
    question, ask, filters = view.box("#nd-question"), view.box("#nd-ask"), view.box("#nd-filters")
    assert answer["y"] + answer["height"] <= cards[0]["y"] <= answer["y"] + answer["height"] + 250, (answer, cards[0])
    assert cards[0]["y"] < cards[1]["y"] and cards[1]["y"] + cards[1]["height"] <= question["y"] < ask["y"] < filters["y"]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in (answer, *cards, question))
    label, messages = view.box('#nd-chat label[data-testid="block-label"]'), view.box('#nd-chat [role="log"]')
    assert label["y"] + label["height"] <= messages["y"] + 1  # the label covers no message (it covered the oldest shown)
    view.page.screenshot(path=str(ARTIFACTS / "chat-390.png"), full_page=True)

    # tapping [2] opens its card over the page; the answer stays where it was, above the card
    marker = view.page.locator('#nd-chat a.nd-marker[href="#nd-s1-2"]').last
    marker.click()
    peek = view.page.locator("#nd-peek")
    peek.wait_for()
    assert peek.locator(":scope blockquote mark").first.inner_text() == quote_of(view.page.locator("#nd-s1-2"))
    spot, sheet = marker.bounding_box(), peek.bounding_box()
    assert 0 <= spot["y"] and spot["y"] + spot["height"] <= sheet["y"], (spot, sheet)
    assert view.page.locator("[id='nd-s1-2']").count() == 1  # the copy carries no ids
    view.page.screenshot(path=str(ARTIFACTS / "chat-390-card.png"))
    peek.locator(".nd-peek-close").click()
    assert peek.is_hidden()
