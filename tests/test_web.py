"""`newsdesk ingest URL...`: pages and feeds read over HTTP from a real server on 127.0.0.1, the
ways a URL goes wrong (each one line, the rest of the batch stored, nothing stored changed), and
``--follow``."""

from __future__ import annotations

import pytest

from conftest import make_newsdesk, run_cli
from ingest.web import read_feed_list, split_inputs
from news_server import NewsServer, page, rss

BUS = ("The city council of Ghent approved three night bus lines on Tuesday after a debate that ran past midnight.\n\n"
       "The lines start in May and run until four in the morning, the mayor told reporters outside the hall.")
PORT = ("Porto opened a new ferry pier on the Douro on Friday, two years after the old one was closed for repairs.\n\n"
        "Ferries will call every twenty minutes in summer, the harbour authority said.")
CORK = "Cork's library reopened on Monday with a new reading room and longer opening hours on weekends."


@pytest.fixture(scope="module")
def server():
    with NewsServer() as srv:
        srv.put("/", page("Porto opens ferry pier", PORT, site="Douro Daily"))
        srv.put("/bus", page("Ghent approves night buses", BUS, canonical="/news/ghent-night-buses", site="Ghent Times"))
        srv.put("/cork", page("Cork library reopens", CORK, canonical="https://elsewhere.example/cork", site="Cork Post"))
        yield srv


def desk(tmp_path, **settings):
    return make_newsdesk(tmp_path / "home", **settings)


def test_pages_are_read_with_their_final_or_canonical_url_and_an_honest_user_agent(server, tmp_path):
    nd = desk(tmp_path)
    report = nd.ingest([], urls=[server.url("/bus"), server.url("/cork"), server.url("/redirect/2")])
    assert not report.failed and report.documents == 3
    listed = {e.title: e for e in nd.manifest.listing()}
    # a canonical URL on the same site names the article; another site's is not believed
    assert listed["Ghent approves night buses"].doc_id == server.url("/news/ghent-night-buses")
    assert listed["Cork library reopens"].doc_id == server.url("/cork")
    assert listed["Porto opens ferry pier"].doc_id == server.url("/")  # after the redirects
    ghent = nd.manifest.article(server.url("/news/ghent-night-buses"))
    assert (ghent.source, ghent.url, ghent.path) == ("Ghent Times", server.url("/news/ghent-night-buses"), server.url("/bus"))
    assert nd.manifest.article(server.url("/")).path == server.url("/")  # where it was read from, after redirects
    assert ghent.text.startswith("The city council of Ghent") and "Home | World" not in ghent.text
    assert server.user_agents[-1].startswith("Newsdesk/") and "github.com" in server.user_agents[-1]
    again = nd.ingest([], urls=[server.url("/bus")])
    assert again.unchanged == 1 and again.chunks_added == 0


def test_each_bad_url_is_one_line_and_the_rest_of_the_batch_goes_in(server, tmp_path):
    server.put("/photo", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png")
    server.put("/blob", b"\x00\x01\x02 text?", "application/octet-stream")
    server.put("/huge", "<html><body><p>" + "word " * 8000 + "</p></body></html>")  # 40 KB, Content-Length says so
    server.put("/endless", "<html><body><p>" + "word " * 8000 + "</p></body></html>", length=False)  # no length: streamed
    nd = desk(tmp_path, fetch_timeout=0.5, fetch_max_mb=0.02)
    nd.ingest([], urls=[server.url("/bus")])
    before = [(e.doc_id, e.chunks) for e in nd.manifest.listing()]
    bad = {path: server.url(path) for path in ("/missing", "/slow", "/photo", "/blob", "/huge", "/endless", "/loop")}
    report = nd.ingest([], urls=[*bad.values(), "http://127.0.0.1:9/refused", "ftp://127.0.0.1/file.txt", server.url("/")])
    reasons = {failure.path: failure.reason for failure in report.failed}
    assert reasons == {
        bad["/missing"]: "HTTP 404 Not Found",
        bad["/slow"]: "timed out waiting for the response (after 0.5 s)",
        bad["/photo"]: "unsupported content type 'image/png': not an article page or feed",
        bad["/blob"]: "unsupported content type 'application/octet-stream': not an article page or feed",
        bad["/huge"]: "the response is over the 0.02 MiB limit (the fetch_max_mb setting)",
        bad["/endless"]: "the response is over the 0.02 MiB limit (the fetch_max_mb setting)",
        bad["/loop"]: "too many redirects (over 5)",
        "http://127.0.0.1:9/refused": "cannot connect: Connection refused",
        "ftp://127.0.0.1/file.txt": "only http:// and https:// URLs are read",
    }
    assert all("\n" not in line.line() for line in report.failed)
    assert report.documents == 1 and report.added[0].doc_id == server.url("/")
    after = [(e.doc_id, e.chunks) for e in nd.manifest.listing()]
    assert sorted(after) == sorted(before + [(server.url("/"), 1)])
    assert not list((tmp_path / "home").glob(".fetch-*"))  # the downloads are gone


def test_the_response_charset_is_honoured_and_a_feed_is_known_by_its_suffix_or_root(server, tmp_path):
    latin = page("Café reopens", "The café on the corner reopened on Monday with a new menu and a terrace.")
    server.put("/latin", latin.encode("latin-1"), "text/html; charset=ISO-8859-1")
    items = [{"title": "Bridge approved", "link": "https://valley.example/bridge", "description": "The council approved a bridge."}]
    server.put("/news.rss", rss("Valley Post", items), "")
    server.put("/untyped", rss("Hill Post", [{**items[0], "link": "https://hill.example/bridge"}]), "application/octet-stream")
    nd = desk(tmp_path)
    report = nd.ingest([], urls=[server.url("/latin"), server.url("/news.rss"), server.url("/untyped")])
    assert nd.manifest.article(server.url("/latin")).title == "Café reopens"
    assert nd.manifest.article("https://valley.example/bridge").source == "Valley Post"
    assert [f.reason for f in report.failed] == ["unsupported content type 'application/octet-stream': not an article page or feed"]


def test_follow_reads_the_pages_a_feed_links_to_once(server, tmp_path):
    items = [
        {"title": "Ghent approves night buses", "link": server.url("/bus"), "description": "Night buses for Ghent.",
         "pubDate": "Tue, 05 Mar 2024 10:00:00 GMT"},
        {"title": "Lost page", "link": server.url("/gone"), "description": "A page that is gone."},
        {"title": "A photo", "link": server.url("/photo"), "description": "A photo of the harbour."},
    ]
    server.put("/photo", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png")
    feed = server.put("/feed.xml", rss("Flanders Wire", items), "application/rss+xml")
    nd = desk(tmp_path)
    report = nd.ingest([], urls=[feed], follow=True)
    assert not report.failed and report.documents == 3
    assert [w.line() for w in report.warnings] == [
        f"{server.url('/gone')}: HTTP 404 Not Found; kept the feed's summary",
        f"{server.url('/photo')}: unsupported content type 'image/png': not an article page or feed; kept the feed's summary",
    ]
    bus = nd.manifest.article(server.url("/bus"))
    assert bus.text == nd.manifest.article(server.url("/bus")).text and bus.text.startswith("The city council of Ghent")
    assert (bus.title, bus.source, bus.published_at[:10]) == ("Ghent approves night buses", "Flanders Wire", "2024-03-05")
    assert bus.url == server.url("/news/ghent-night-buses")  # the page's own URL; the id stays the item's link
    assert nd.manifest.article(server.url("/gone")).text == "A page that is gone."
    fetched = server.hits["/bus"]
    again = nd.ingest([], urls=[feed], follow=True)
    assert server.hits["/bus"] == fetched  # stored from its page: not read again
    assert again.unchanged == 3 and again.chunks_added == 0


def test_follow_works_for_a_feed_file_and_the_cli_mixes_files_and_urls(server, tmp_path):
    feed = tmp_path / "wire.rss"
    feed.write_text(rss("Flanders Wire", [{"title": "Ferry pier", "link": server.url("/"), "description": "Porto pier."}]))
    note = tmp_path / "note.txt"
    note.write_text("Cork library\n\n" + CORK + "\n")
    home = tmp_path / "home"
    proc = run_cli("ingest", str(feed), str(note), server.url("/missing"), "--follow", home=home)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("3 files, 2 documents: 2 chunks added")
    assert proc.stderr.strip() == f"failed {server.url('/missing')}: HTTP 404 Not Found"
    stored = make_newsdesk(home).manifest.article(server.url("/"))
    assert stored.text.startswith("Porto opened a new ferry pier")


def test_inputs_split_into_paths_and_urls_and_a_feed_list_is_read_line_by_line(tmp_path):
    paths, urls = split_inputs(["news/", "https://a.example/x", "HTTP://B.example", "ftp://c.example/f", "a.txt"])
    assert [str(p) for p in paths] == ["news", "a.txt"]
    assert urls == ["https://a.example/x", "HTTP://B.example", "ftp://c.example/f"]
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("# my feeds\nhttps://a.example/rss  # the A feed\n\nnot a url\nhttps://a.example/rss\nhttps://b.example/atom#top\n")
    urls, bad = read_feed_list(feeds)
    assert urls == ["https://a.example/rss", "https://b.example/atom#top"]
    assert [b.line() for b in bad] == [f"{feeds}:4: not an http(s) URL: 'not a url'"]
    (tmp_path / "empty.txt").write_text("# nothing yet\n")
    with pytest.raises(ValueError, match="no feed URLs"):
        read_feed_list(tmp_path / "empty.txt")
