"""Each format loads as documented; ids, headlines and metadata come out right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import MHRAG_CORPUS
from ingest.loaders import (
    SUPPORTED_SUFFIXES, Failure, LoadError, Source, article_from_record, decode, find_files, format_for,
    format_for_content_type, load_file, normalise_text, register,
)
from ingest.loaders.registry import REGISTRY, Format, Registry


def load_one(path: Path):
    loaded = load_file(path, path.parent)
    assert loaded.failures == [], loaded.failures
    return loaded.articles


def test_text_file_headline_body_and_front_matter(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\nsource: Reuters\npublished_at: 2024-01-02\n---\n\n# Big headline\n\nFirst para.\n\n\nSecond   para.\n")
    (article,) = load_one(path)
    assert article.doc_id == "a.md" and article.title == "Big headline"
    assert article.text == "First para.\n\nSecond para."
    assert (article.source, article.published_at) == ("Reuters", "2024-01-02")


def test_a_front_matter_title_leaves_every_line_to_the_body(tmp_path):
    path = tmp_path / "b.md"
    path.write_text("---\ntitle: Dam opens\nsource: The Herald\n---\nThe dam opened on Monday.\n")
    (article,) = load_one(path)
    assert (article.title, article.text, article.source) == ("Dam opens", "The dam opened on Monday.", "The Herald")


def test_publication_dates_are_iso_or_rfc_2822_and_anything_else_is_refused(tmp_path):
    path = tmp_path / "dated.jsonl"
    lines = [{"title": "A", "body": "Text a.", "url": "u1", "published_at": "2023-10-04T21:01:01Z"},
             {"title": "B", "body": "Text b.", "url": "u2", "published_at": "Wed, 04 Oct 2023 21:01:01 GMT"},
             {"title": "C", "body": "Text c.", "url": "u3", "published_at": "2024-13-45"}]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    loaded = load_file(path, tmp_path)
    assert [a.published_at for a in loaded.articles] == ["2023-10-04T21:01:01Z", "2023-10-04T21:01:01+00:00"]
    (failure,) = loaded.failures
    assert failure.line() == f"{path}:3: 'published_at' '2024-13-45' is not a date: use YYYY-MM-DD or ISO 8601"


@pytest.mark.parametrize("written, stored", [
    ("November 24, 2023", "2023-11-24"), ("Nov. 24th 2023", "2023-11-24"), ("Friday, 24 November 2023", "2023-11-24"),
    ("sept 5, 2023", "2023-09-05"), ("11/24/2023", "2023-11-24"), ("24.11.2023", "2023-11-24"), ("04/04/2023", "2023-04-04"),
])
def test_dates_written_in_words_or_with_one_numeric_reading_are_stored_as_iso(tmp_path, written, stored):
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: T\npublished_at: {written}\n---\nBody.\n")
    (article,) = load_one(path)
    assert article.published_at == stored


@pytest.mark.parametrize("written, reason", [
    ("03/04/2023", "'published_at' '03/04/2023' is ambiguous (day first it is 2023-04-03, month first 2023-03-04): write it as YYYY-MM-DD"),
    ("February 30, 2023", "'published_at' 'February 30, 2023' is not a date: use YYYY-MM-DD or ISO 8601"),
    ("Smarch 3, 2023", "'published_at' 'Smarch 3, 2023' is not a date: use YYYY-MM-DD or ISO 8601"),
    ("13/13/2023", "'published_at' '13/13/2023' is not a date: use YYYY-MM-DD or ISO 8601"),
])
def test_ambiguous_or_impossible_dates_fail_the_file_with_the_reason(tmp_path, written, reason):
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: T\npublished_at: {written}\n---\nBody.\n")
    loaded = load_file(path, tmp_path)
    assert loaded.articles == []
    assert [failure.line() for failure in loaded.failures] == [f"{path}: {reason}"]


def test_html_drops_scripts_and_styles_and_reads_meta(tmp_path):
    path = tmp_path / "p.html"
    path.write_text(
        "<html><head><title>Dam opens</title><meta property='og:site_name' content='The Herald'>"
        "<meta property='article:published_time' content='2023-10-01T08:00:00Z'><style>p{}</style></head>"
        "<body><nav>Home | World</nav><h1>Dam opens</h1><p>The dam opened on Sunday.</p>"
        "<script>alert('x')</script><p>Water flows &amp; power starts.</p></body></html>"
    )
    (article,) = load_one(path)
    assert article.title == "Dam opens"
    assert article.text == "The dam opened on Sunday.\n\nWater flows & power starts."
    assert article.source == "The Herald" and article.published_at.startswith("2023-10-01")


def test_json_object_and_list(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"title": "T", "text": "Body text.", "url": "https://x.org/1"}))
    assert load_one(one)[0].doc_id == "https://x.org/1"
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"title": "A", "body": "Alpha."}, {"title": "B", "body": "Beta."}]))
    assert [a.doc_id for a in load_one(many)] == ["many.json#0", "many.json#1"]


def test_mhrag_corpus_loads_as_is():
    loaded = load_file(MHRAG_CORPUS, MHRAG_CORPUS.parent)
    assert loaded.failures == [] and len(loaded.articles) == 326
    first = loaded.articles[0]
    assert first.doc_id.startswith("https://") and first.source and first.published_at.startswith("2023-")


def test_utf16_with_bom_and_bidi_controls(tmp_path):
    path = tmp_path / "u.txt"
    path.write_bytes("Headline\n\nA body\u202e with control.".encode("utf-16"))
    (article,) = load_one(path)
    assert article.text == "A body with control."


@pytest.mark.parametrize("raw, reason", [(b"\x00\x01\x02", "binary"), (b"\xff\xfe\xfa", "not valid UTF-8")])
def test_decode_refuses(raw, reason):
    with pytest.raises(LoadError, match=reason):
        decode(raw + b"x" * 3 if reason == "binary" else b"ok " + raw[2:])


def test_folder_walk_skips_readme_and_unsupported_and_symlink_loops(tmp_path):
    (tmp_path / "README.md").write_text("# Notes\n\nnot an article")
    (tmp_path / "story.txt").write_text("H\n\nB.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    files, failures = find_files([tmp_path])
    assert [f.name for f, _ in files] == ["story.txt"] and failures == []


def test_a_folder_without_articles_is_a_failure_naming_it(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "photo.png").write_bytes(b"\x89PNG")
    files, failures = find_files([tmp_path / "empty", tmp_path / "pictures"])
    assert files == []
    assert [f.path for f in failures] == [str(tmp_path / "empty"), str(tmp_path / "pictures")]
    assert all(f.reason.startswith("no article files in this folder (looked for .atom, .csv") for f in failures)


def test_front_matter_reads_other_tools_keys_and_refuses_misspelt_ones(tmp_path):
    hugo = tmp_path / "hugo.md"
    hugo.write_text("---\ntitle: Owls in winter\ndate: 2024-01-02\npublisher: Wild Times\ntags: [birds]\n---\nOwls hunt at dusk.\n")
    (article,) = load_one(hugo)
    assert (article.published_at, article.source) == ("2024-01-02", "Wild Times")
    both = tmp_path / "both.md"  # the field's own key wins over another tool's, wherever it stands
    both.write_text("---\ntitle: T\ndate: 2024-01-02\npublished_at: 2024-03-04\n---\nBody text.\n")
    assert load_one(both)[0].published_at == "2024-03-04"
    typo = tmp_path / "typo.md"
    typo.write_text("---\ntitle: Owls\nsorce: Typo Times\n---\nOwls hunt at dusk.\n")
    (failure,) = load_file(typo, tmp_path).failures
    assert failure.reason == "front matter key 'sorce' is not one Newsdesk reads; did you mean 'source'?"


def test_invalid_json_reason_is_not_cut_off(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "Broken\n')
    (failure,) = load_file(broken, tmp_path).failures
    assert failure.reason == "invalid JSON at line 1 column 18: Invalid control character"


def test_json_list_ids_count_from_0_even_for_one_article_and_an_empty_list_fails(tmp_path):
    one = tmp_path / "list.json"
    one.write_text(json.dumps([{"title": "Only", "body": "The only story."}]))
    assert [a.doc_id for a in load_one(one)] == ["list.json#0"]  # stays "#0" when a second article joins
    single = tmp_path / "story.json"
    single.write_text(json.dumps({"title": "Alone", "body": "A story object, not a list."}))
    assert [a.doc_id for a in load_one(single)] == ["story.json"]
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert [f.reason for f in load_file(empty, tmp_path).failures] == ["the JSON list holds no articles"]


def test_normalise_text_is_idempotent():
    text = "a\r\n\r\n\r\nb \t c\u200b"
    assert normalise_text(text) == "a\n\nb c"
    assert normalise_text(normalise_text(text)) == normalise_text(text)


def test_html_in_the_encoding_it_declares(tmp_path):
    page = tmp_path / "old.html"
    page.write_bytes('<html><head><meta charset="iso-8859-1"><title>Café reopens</title></head>'
                     '<body><p>The café in Lisbon reopened on Monday.</p></body></html>'.encode("latin-1"))
    (article,) = load_one(page)
    assert article.title == "Café reopens" and article.text == "The café in Lisbon reopened on Monday."
    plain = tmp_path / "old.txt"  # a text file declares nothing: latin-1 is still refused, with the reason
    plain.write_bytes("Café\n\nThe café reopened.".encode("latin-1"))
    assert "not valid UTF-8" in load_file(plain, tmp_path).failures[0].reason


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        ('{"title": "T", "body": ["a", "b"]}', "a.json", "'body' must be a string, got a list"),
        ('{"title": 7, "body": "Text here."}', "b.json", "'title' must be a string, got a number"),
        ('{"title": "T", "body": "Text.", "source": null, "url": {"x": 1}}', "c.json", "'url' must be a string, got an object"),
        ('[null]', "d.json", "expected an article object, got null"),
        ("---\ntitle: Draft\nBody without a closing line.\n", "e.md", "no closing '---' line"),
    ],
)
def test_wrong_types_and_shapes_are_named_in_json_terms(tmp_path, content, name, reason):
    path = tmp_path / name
    path.write_text(content)
    (failure,) = load_file(path, tmp_path).failures
    assert reason in failure.reason


def symlink_loop(folder: Path) -> Path:
    (folder / "loop_a.txt").symlink_to("loop_b.txt")
    (folder / "loop_b.txt").symlink_to("loop_a.txt")
    return folder / "loop_a.txt"


def test_a_symlink_loop_is_a_failure_not_a_crash(tmp_path):
    loop = symlink_loop(tmp_path)
    (tmp_path / "story.txt").write_text("Ferry resumes\n\nThe ferry resumed on Friday.")
    files, failures = find_files([tmp_path])
    loaded = [load_file(file, root) for file, root in files]
    assert [f.line() for one in loaded for f in one.failures] == [
        f"{loop}: symlink loop", f"{tmp_path / 'loop_b.txt'}: symlink loop"]
    assert [a.title for one in loaded for a in one.articles] == ["Ferry resumes"] and failures == []
    assert find_files([loop]) == ([], [Failure(str(loop), "symlink loop")])


def test_folder_walk_skips_only_files_named_exactly_like_project_notes(tmp_path):
    for name in ["README.md", "readme.txt", "LICENSE.txt", "NOTICE.txt", "CHANGELOG.md", "Attribution.md", "licence.md"]:
        (tmp_path / name).write_text("Notes\n\nnot an article")
    for name in ["notice-of-strike.txt", "license-plate-cameras.txt", "readmissions.txt"]:
        (tmp_path / name).write_text("Headline\n\nAn article.")
    files, _ = find_files([tmp_path])
    assert [f.name for f, _ in files] == ["license-plate-cameras.txt", "notice-of-strike.txt", "readmissions.txt"]


@pytest.mark.parametrize("void", ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                  "param", "source", "track", "wbr"])
def test_html_void_elements_hide_nothing_after_them(tmp_path, void):
    path = tmp_path / "v.html"
    path.write_text(f"<html><head><title>Volcano erupts</title></head><body><p>Intro.</p><{void} src='v.mp4'>"
                    "<p>Lava reached Grindavik.</p></body></html>")
    (article,) = load_one(path)
    assert article.text.endswith("Lava reached Grindavik.")


def test_html_without_a_closing_head_tag_reads_the_body(tmp_path):
    path = tmp_path / "h.html"
    path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Harbor strike ends</title>"
                    "<body><p>Dock workers in Antwerp ended their strike.</p></body></html>")
    (article,) = load_one(path)
    assert (article.title, article.text) == ("Harbor strike ends", "Dock workers in Antwerp ended their strike.")


BROWSER_SAVED = """<!DOCTYPE html><html><head><title>Lunar Rover Finds Ice | The Daily Planet</title>
<meta property="og:title" content="Lunar Rover Finds Ice">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Site"},
 {"@type": ["NewsArticle"], "headline": "LD headline", "datePublished": "2024-03-05T09:30:00Z",
  "publisher": {"@type": "Organization", "name": "The Daily Planet"}, "author": [{"name": "Lois Lane"}, {"name": "Jimmy Olsen"}],
  "url": "https://dailyplanet.example/ice"}]}</script>
<style>body{}</style></head><body>
<header><a href="/">The Daily Planet</a> Subscribe for $1</header><nav>Home World</nav>
<div class="cookie">We use cookies. <button>Accept all</button></div>
<main><article><header><h1>Lunar Rover Finds Ice</h1></header>
<p>The rover detected water ice on Tuesday.</p><aside><h3>Related</h3>Mars mission delayed</aside>
<p>Engineers plan to drill in April.</p><form><input name=q>Search</form><noscript>Enable JavaScript</noscript>
<svg class="icon"><title>Share on Facebook</title><path d="M0 0"/></svg><footer>Tags: moon</footer>
</article></main><footer>&copy; 2024 The Daily Planet</footer></body></html>"""


def test_browser_saved_html_keeps_the_story_and_reads_json_ld(tmp_path):
    path = tmp_path / "lunar.html"
    path.write_text(BROWSER_SAVED)
    (article,) = load_one(path)
    assert article.title == "Lunar Rover Finds Ice"
    assert article.text == "The rover detected water ice on Tuesday.\n\nEngineers plan to drill in April."
    assert (article.source, article.author, article.published_at, article.url, article.doc_id) == (
        "The Daily Planet", "Lois Lane, Jimmy Olsen", "2024-03-05T09:30:00Z", "https://dailyplanet.example/ice",
        "https://dailyplanet.example/ice")


@pytest.mark.parametrize(
    ("head", "h1", "title"),
    [
        ("<title>Bike lanes approved - Metro Herald</title><script type='application/ld+json'>"
         "[{\"@type\": \"Article\", \"headline\": \"Bike lanes approved\"}]</script>", "", "Bike lanes approved"),
        ("<title>Bike lanes approved - Metro Herald</title>", "<header><h1>Metro Herald</h1></header><h1>Bike lanes <em>approved</em></h1>", "Bike lanes approved"),
        ("<title>Bike lanes approved - Metro Herald</title><script type='application/ld+json'>{not json</script>", "",
         "Bike lanes approved"),  # trafilatura takes the site's name off the <title>
    ],
    ids=["json-ld", "first-h1", "title"],
)
def test_html_headline_prefers_og_title_then_json_ld_then_h1_then_title(tmp_path, head, h1, title):
    path = tmp_path / "bikes.html"
    path.write_text(f"<html><head>{head}</head><body>{h1}<p>The council voted 7-2 on Monday.</p></body></html>")
    (article,) = load_one(path)
    assert (article.title, article.text) == (title, "The council voted 7-2 on Monday.")


def test_front_matter_values_lose_one_pair_of_matching_quotes(tmp_path):
    path = tmp_path / "q.md"
    path.write_text("---\ntitle: 'Drought hits \"Catalonia\"'\ndate: \"2024-04-02\"\nsource: 'Coastal Times\"\n---\nBody.\n")
    (article,) = load_one(path)
    assert (article.title, article.published_at, article.source) == (
        'Drought hits "Catalonia"', "2024-04-02", "'Coastal Times\"")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("20240614T101500Z", "2024-06-14T10:15:00+00:00"),
        ("2024-W24-5", "2024-06-14"),
        ("20240614", "2024-06-14"),
        ("2024-01-20 08:15:00 +0100", "2024-01-20T08:15:00+01:00"),
        ("2024-06-14T10:00:00+0200", "2024-06-14T10:00:00+02:00"),
        ("2024-03-05T09:30:00.000Z", "2024-03-05T09:30:00.000Z"),  # already extended ISO 8601: as given
        ("2024-06-14 10:00:00", "2024-06-14 10:00:00"),
    ],
)
def test_other_iso_8601_forms_are_stored_in_the_extended_form(tmp_path, given, stored):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"title": "T", "body": "Text.", "published_at": given}))
    assert load_one(path)[0].published_at == stored


def test_json_articles_read_the_aliases_front_matter_reads(tmp_path):
    path = tmp_path / "rss.json"
    path.write_text(json.dumps([
        {"title": "Ferry resumes", "link": "https://g.example/capri", "description": "Ferry service resumed.",
         "pubDate": "Wed, 03 Apr 2024 07:00:00 GMT", "publisher": "Gulf News", "byline": "Ana Ruiz", "section": "travel",
         "categories": ["travel"], "subtitle": "After storms", "authors": ["Ana Ruiz"]},
        {"title": "Snow closes pass", "permalink": "https://g.example/brenner", "content": "Snow closed the pass.",
         "description": "A summary.", "date": "2024-04-04", "outlet": "Gulf News", "published": "2024-04-05"},
        {"title": "Own keys win", "url": "https://g.example/own", "link": "https://g.example/alias", "text": "Text.",
         "content": "Content.", "published_at": "2024-04-06", "date": "2024-04-07"},
    ]))
    ferry, snow, own = load_one(path)
    assert (ferry.url, ferry.text, ferry.published_at, ferry.source, ferry.author, ferry.category) == (
        "https://g.example/capri", "Ferry service resumed.", "2024-04-03T07:00:00+00:00", "Gulf News", "Ana Ruiz", "travel")
    assert (snow.url, snow.text, snow.published_at, snow.source) == ("https://g.example/brenner", "Snow closed the pass.", "2024-04-04", "Gulf News")
    assert (own.url, own.text, own.published_at) == ("https://g.example/own", "Text.", "2024-04-06")


def test_json_misspelt_key_fails_with_did_you_mean(tmp_path):
    path = tmp_path / "typo.jsonl"
    path.write_text(json.dumps({"title": "T", "body": "Text.", "publishd_at": "2024-02-03"}) + "\n"
                    + json.dumps({"title": "T", "link": ["a"], "body": "Text."}) + "\n")
    assert [f.reason for f in load_file(path, tmp_path).failures] == [
        "key 'publishd_at' is not one Newsdesk reads; did you mean 'published_at'?", "'link' must be a string, got a list"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("Lima hosts summit\n\nLima hosted the summit.".encode("utf-16-le"), "UTF-16 without a byte-order mark"),
        ("Lima hosts summit\n\nLima hosted the summit.".encode("utf-16-be"), "UTF-16 without a byte-order mark"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n", "a PDF document"),
    ],
    ids=["utf-16-le", "utf-16-be", "pdf"],
)
def test_utf16_without_bom_and_pdf_are_named(raw, reason):
    with pytest.raises(LoadError, match=reason):
        decode(raw)


def test_a_json_feed_loads_each_item_with_the_feed_title_as_outlet(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Desk Daily",
        "items": [
            {"id": "1", "url": "https://desk.example/a", "title": "Hungary vows no veto",
             "content_text": "Hungary promised not to veto the package.", "date_published": "2023-11-24T10:00:00Z",
             "authors": [{"name": "Ann Lee"}, {"name": "Bo Chen"}]},
            {"id": "2", "title": "Budget passes", "content_html": "<p>The budget <b>passed</b> on Friday.</p><script>x()</script>",
             "author": {"name": "Cy Dunn"}, "source": "Wire Service"},
            {"id": "3", "title": "Empty"},
        ],
    }))
    loaded = load_file(path, tmp_path)
    first, second = loaded.articles
    assert (first.doc_id, first.source, first.author, first.published_at) == (
        "https://desk.example/a", "Desk Daily", "Ann Lee, Bo Chen", "2023-11-24T10:00:00Z")
    assert (second.doc_id, second.text, second.author, second.source) == (
        "feed.json#1", "The budget passed on Friday.", "Cy Dunn", "Wire Service")
    assert [failure.line() for failure in loaded.failures] == [
        f"{path} items item 2: missing 'body' (or 'text', 'content', 'content_text', 'content_html', 'description', "
        f"'summary'): an article needs non-empty text"]


def test_an_rss_feed_converted_to_json_loads_its_channel_items(tmp_path):
    path = tmp_path / "rss.json"
    path.write_text(json.dumps({"rss": {"channel": {"title": "Desk", "item": {
        "title": "Rain", "link": "https://desk.example/c", "description": "It rained all week.",
        "pubDate": "Fri, 24 Nov 2023 10:00:00 GMT"}}}}))
    (article,) = load_one(path)
    assert (article.doc_id, article.title, article.source, article.published_at, article.text) == (
        "https://desk.example/c", "Rain", "Desk", "2023-11-24T10:00:00+00:00", "It rained all week.")


def test_an_object_that_is_neither_article_nor_feed_still_fails_as_an_article(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"title": "Report", "items": []}))
    loaded = load_file(path, tmp_path)
    assert loaded.articles == []
    assert [f.reason for f in loaded.failures] == [
        "missing 'body' (or 'text', 'content', 'content_text', 'content_html', 'description', 'summary'): "
        "an article needs non-empty text"]


def test_the_registry_is_what_files_are_read_by():
    assert SUPPORTED_SUFFIXES == {suffix for fmt in REGISTRY.formats.values() for suffix in fmt.suffixes}
    assert {suffix: format_for(suffix.upper()).name for suffix in (".txt", ".md", ".html", ".json", ".ndjson")} == {
        ".txt": "text", ".md": "text", ".html": "html", ".json": "json", ".ndjson": "jsonl"}
    assert format_for(".docx") is None
    assert format_for_content_type("Text/HTML; charset=utf-8").name == "html"


def test_a_new_format_is_one_registered_function(tmp_path):
    @register("probe", (".probe",), content_types=("text/x-probe",))
    def load_probe(source: Source):
        for number, line in enumerate(source.text().splitlines(), start=1):
            yield article_from_record({"title": line, "body": f"{line}."}, f"{source.doc_id}#{number}", source.stored)

    try:
        (tmp_path / "a.probe").write_text("One\nTwo\n")
        assert find_files([tmp_path]) == ([(tmp_path / "a.probe", tmp_path)], [])
        loaded = load_file(tmp_path / "a.probe", tmp_path)
        assert ([a.doc_id for a in loaded.articles], loaded.failures) == (["a.probe#1", "a.probe#2"], [])
        assert format_for_content_type("text/x-probe").name == "probe"
        with pytest.raises(ValueError, match="already registered"):
            register("probe2", (".probe",))(load_probe)
    finally:
        REGISTRY.remove("probe")
    assert ".probe" not in SUPPORTED_SUFFIXES and format_for(".probe") is None
    assert [f.reason for f in load_file(tmp_path / "a.probe", tmp_path).failures] == [
        f"unsupported file type '.probe' (use {', '.join(sorted(SUPPORTED_SUFFIXES))})"]


def test_a_format_may_replace_another_only_when_it_says_so():
    registry = Registry()
    first = registry.add(Format("a", (".x",), lambda source: iter(()), ("text/x",)))
    with pytest.raises(ValueError):
        registry.add(Format("b", (".x", ".y"), lambda source: iter(())))
    with pytest.raises(ValueError, match="lower case"):
        registry.add(Format("c", (".Z",), lambda source: iter(())))
    second = registry.add(Format("b", (".x", ".y"), lambda source: iter(())), replace=True)
    assert (registry.for_suffix(".x"), registry.for_content_type("text/x"), registry.suffixes) == (second, first, {".x", ".y"})
