"""RSS 2.0, Atom and RDF feeds: each item an article with its title, outlet, date, URL and author
right; full content over the summary, HTML read as text; stable ids; broken feeds in one line."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from format_samples import ATOM, MALFORMED_RSS, RDF, RSS, SITEMAP
from ingest.loaders import format_for, format_for_content_type, load_file


def load(tmp_path: Path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content)
    return load_file(path, tmp_path)


def fields(article) -> tuple:
    return article.doc_id, article.title, article.source, article.published_at, article.url, article.author


def test_rss_items_with_full_content_item_sources_and_a_failure_for_an_item_without_text(tmp_path):
    loaded = load(tmp_path, "coastal.rss", RSS)
    bridge, ferry = loaded.articles
    assert fields(bridge) == (
        "https://coastal.example/2024/03/02/harbour-bridge", "Harbour bridge reopens after six months", "Coastal Times",
        "2024-03-02T09:30:00+01:00", "https://coastal.example/2024/03/02/harbour-bridge", "Mara Quinn")
    # content:encoded, not the one-line description; its HTML read as text, the script left out
    assert bridge.text == ("The harbour bridge reopened to traffic on Saturday after six months of repairs.\n\n"
                           "Engineers replaced the deck & two cables.")
    assert bridge.category == "Local"
    # the item names its own outlet (<source>); dc:creator is its author; the description's HTML is read as text
    assert fields(ferry) == ("https://wire.example/ferry-fares", "Ferry fares rise by 4% in April", "Wire Service",
                             "2024-03-04T07:00:00+00:00", "https://wire.example/ferry-fares", "Ivo Berg")
    assert ferry.text == "Ferry fares will rise by 4% in April, the operator said."
    assert [f.line() for f in loaded.failures] == [
        f"{tmp_path / 'coastal.rss'} item 2: no text (the item has neither content nor a summary)"]


def test_atom_entries_read_html_titles_and_updated_dates_and_keep_ids_without_links(tmp_path):
    loaded = load(tmp_path, "metro.atom", ATOM)
    buses, library = loaded.articles
    assert fields(buses) == ("https://metro.example/night-buses", "Council approves night buses", "Metro Herald",
                             "2024-04-05T10:15:00+02:00", "https://metro.example/night-buses", "Ana Ruiz")
    assert buses.text == "The city council approved three night bus lines on Friday.\n\nThey start in May."
    # no link: the id comes from the entry's id (not a web address, so no URL), the date is when it was updated
    assert fields(library) == ("metro.atom#tag:metro.example,2024:library", "Library extends opening hours", "City Desk",
                               "2024-04-06T08:00:00Z", "", "")
    assert library.text == "The central library will open until 10 pm from Monday." and loaded.failures == []


def test_rdf_items_read_dublin_core_dates_and_creators(tmp_path):
    loaded = load(tmp_path, "valley.rdf", RDF)
    (dam,) = loaded.articles
    assert fields(dam) == ("https://valley.example/dam", "Dam opens its gates", "Valley Gazette", "2024-05-12T06:00:00Z",
                           "https://valley.example/dam", "Lena Ott")
    assert loaded.failures == []


def test_reading_a_feed_again_gives_the_same_ids(tmp_path):
    first = [a.doc_id for a in load(tmp_path, "metro.atom", ATOM).articles]
    assert [a.doc_id for a in load(tmp_path, "metro.atom", ATOM).articles] == first
    # the same feed saved as .xml reads as a feed too
    assert [a.doc_id for a in load(tmp_path, "metro.xml", ATOM).articles][0] == first[0]


def test_broken_feeds_and_xml_that_is_no_feed_fail_in_one_line(tmp_path):
    assert [f.line() for f in load(tmp_path, "cut.rss", MALFORMED_RSS).failures] == [
        f"{tmp_path / 'cut.rss'}: malformed feed: no element found at line 3 column 26"]
    assert [f.line() for f in load(tmp_path, "sitemap.xml", SITEMAP).failures] == [
        f"{tmp_path / 'sitemap.xml'}: not an RSS, Atom or RDF feed"]
    empty = '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert [f.reason for f in load(tmp_path, "quiet.rss", empty).failures] == ["the feed holds no items"]
    # broken after an item: the item is kept, and the break is named
    broken = load(tmp_path, "half.rss", RSS.replace("<title>Photo of the day</title>", "<title>Photo</titel>"))
    assert [a.title for a in broken.articles] == ["Harbour bridge reopens after six months", "Ferry fares rise by 4% in April"]
    assert broken.failures[-1].reason == (
        "malformed feed: mismatched tag at line 28 column 18; the items that could be read were kept")
    pdf = tmp_path / "scan.rss"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    assert load_file(pdf, tmp_path).failures[0].reason.startswith("a PDF document")


def test_a_feed_cannot_read_local_files_through_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TOKEN")
    feed = RSS.replace('<?xml version="1.0" encoding="UTF-8"?>',
                       f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>'
                       ).replace("The bridge is open again.", "Open &leak;")
    loaded = load(tmp_path, "leak.rss", feed)
    assert loaded.articles and all("SECRET" not in a.text + a.title for a in loaded.articles)


def test_feeds_register_their_suffixes_and_content_types():
    assert {suffix: format_for(suffix).name for suffix in (".rss", ".atom", ".rdf", ".xml")} == dict.fromkeys(
        (".rss", ".atom", ".rdf", ".xml"), "feed")
    types = ("application/rss+xml", "application/atom+xml; charset=utf-8", "application/rdf+xml", "application/xml", "text/xml")
    assert {format_for_content_type(kind).name for kind in types} == {"feed"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000) | st.text(max_size=400).map(lambda text: RSS.replace("The bridge is open again.", text)),
       st.sampled_from([".rss", ".atom", ".rdf", ".xml"]))
def test_any_bytes_load_or_fail_cleanly(tmp_path, raw, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    loaded = load_file(path, tmp_path)  # must not raise
    assert all(article.text.strip() and article.doc_id for article in loaded.articles)
    assert all(f.reason and "\n" not in f.reason and f.path.startswith(str(path)) for f in loaded.failures)
