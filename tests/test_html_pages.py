"""Web pages through trafilatura: the story without the site's navigation, ads, share buttons,
related teasers and footer; title, outlet, date (htmldate), canonical URL and author; a page with no
story of its own fails in one line; nothing is fetched."""

from __future__ import annotations

from format_samples import NO_TEXT_PAGE, PAGE
from ingest.loaders import load_file


def load(tmp_path, name: str, html: str):
    path = tmp_path / name
    path.write_text(html)
    return load_file(path, tmp_path)


def test_a_saved_news_page_gives_the_story_alone_and_its_metadata(tmp_path):
    loaded = load(tmp_path, "cranes.html", PAGE)
    (article,) = loaded.articles
    assert (article.doc_id, article.title, article.source, article.published_at, article.url, article.author,
            article.category) == (
        "https://coastal.example/news/2024/03/09/harbour-cranes", "Harbour cranes replaced", "Coastal Times",
        "2024-03-09T08:00:00+01:00", "https://coastal.example/news/2024/03/09/harbour-cranes", "Mara Quinn", "Business")
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith("The port replaced its four container cranes this week")
    assert paragraphs[-1] == "Dock workers were trained on the new machines over the winter. The old cranes will be sold to a port in Portugal."
    for chrome in ("cookie", "Subscribe", "Advertisement", "Share on", "Related stories", "Ferry fares", "Most read",
                   "All rights reserved", "By Mara Quinn"):
        assert chrome not in article.text, chrome


def test_without_meta_tags_the_date_comes_from_htmldate_and_the_outlet_from_json_ld(tmp_path):
    bare = (PAGE.replace('<meta property="article:published_time" content="2024-03-09T08:00:00+01:00">', "")
                .replace('<meta property="og:site_name" content="Coastal Times">',
                         '<script type="application/ld+json">{"@type": "NewsArticle", "publisher": {"name": "Coastal Times"}}</script>'))
    (article,) = load(tmp_path, "bare.html", bare).articles
    assert (article.published_at, article.source) == ("2024-03-09", "Coastal Times")  # the canonical URL's /2024/03/09/
    timed = (bare.replace("news/2024/03/09/harbour-cranes", "news/harbour-cranes")
                 .replace('<div class="byline">', '<div class="byline"><time datetime="2024-03-08">8 March 2024</time>'))
    (article,) = load(tmp_path, "timed.html", timed).articles
    assert (article.published_at, article.url) == ("2024-03-08", "https://coastal.example/news/harbour-cranes")


def test_a_year_in_the_text_is_not_taken_for_the_date(tmp_path):
    page = ("<html><head><title>Budget passes</title></head><body><article><h1>Budget passes</h1><p>The council passed "
            "the budget for 2025 on Monday, with 30 votes to 12, after a debate of six hours about the harbour and the "
            "schools, which get the largest share of the new money.</p></article><footer>&copy; 2024</footer></body></html>")
    (article,) = load(tmp_path, "budget.html", page).articles
    assert article.published_at == "" and article.text.startswith("The council passed the budget for 2025")


def test_a_page_without_a_story_fails_in_one_line(tmp_path):
    assert [f.line() for f in load(tmp_path, "section.html", NO_TEXT_PAGE).failures] == [
        f"{tmp_path / 'section.html'}: no article text"]
    assert [f.reason for f in load(tmp_path, "blank.html", "<html><body>\n</body></html>").failures] == ["no article text"]
