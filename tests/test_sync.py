"""`newsdesk sync FEEDS.txt`: the feeds of a list read again, only what is new added and shown
(by URL, and by content: a story under a new URL is folded into the stored one); and `list`, one
article a line with its id whole."""

from __future__ import annotations

import json

import pytest

from conftest import make_newsdesk, run_cli
from news_server import NewsServer, page, rss

LONG = "https://valley.example/news/2024/05/02/" + "council-approves-the-new-bridge-over-the-river-after-years-of-debate" * 2


def item(slug: str, title: str, text: str, day: str = "Thu, 02 May 2024 08:00:00 GMT") -> dict:
    return {"title": title, "link": f"https://valley.example/{slug}", "description": text, "pubDate": day}


BRIDGE = item("bridge", "Bridge approved", "The council approved a new bridge over the Lys on Wednesday night.")
MARKET = item("market", "Market moves", "The Saturday market moves to the station square from June.")
PIER = item("pier", "Pier reopens", "The ferry pier reopened after two years of repairs.", "Fri, 03 May 2024 09:00:00 GMT")


@pytest.fixture
def server():
    with NewsServer() as srv:
        srv.put("/valley.xml", rss("Valley Post", [BRIDGE, MARKET]), "application/rss+xml")
        srv.put("/hill.xml", rss("Hill Times", [{**PIER, "link": LONG}]), "application/rss+xml")
        yield srv


def test_sync_adds_only_what_is_new_and_shows_it(server, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# local news\n{server.url('/valley.xml')}\n{server.url('/hill.xml')}  # the hill\nvalley.example/rss\n")
    home = tmp_path / "home"
    proc = run_cli("sync", str(feeds), "--json", home=home)
    assert proc.returncode == 1  # the line that is no URL
    report = json.loads(proc.stdout)
    assert [(a["source"], a["title"], a["published_at"]) for a in report["added"]] == [
        ("Valley Post", "Bridge approved", "2024-05-02"), ("Valley Post", "Market moves", "2024-05-02"),
        ("Hill Times", "Pier reopens", "2024-05-03")]
    assert report["failed"] == [{"path": f"{feeds}:4", "reason": "not an http(s) URL: 'valley.example/rss'"}]

    feeds.write_text(f"{server.url('/valley.xml')}\n{server.url('/hill.xml')}\n")
    vote = item("vote", "Budget vote delayed", "The budget vote was put off until June.", "Sat, 04 May 2024 10:00:00 GMT")
    moved = {**BRIDGE, "link": "https://valley.example/amp/bridge"}  # the same story under a new URL
    server.put("/valley.xml", rss("Valley Post", [vote, moved, BRIDGE, MARKET]), "application/rss+xml")
    proc = run_cli("sync", str(feeds), home=home, env={"COLUMNS": "60"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["outlet", "title", "date"]
    assert lines[1].split() == ["Valley", "Post", "Budget", "vote", "delayed", "2024-05-04"]
    assert lines[-1] == ("2 files, 5 documents: 1 chunk added, 0 removed, 3 unchanged, 0 failed; "
                         "1 near-duplicate folded into existing stories")

    listing = run_cli("list", home=home, env={"COLUMNS": "40"}, check=True).stdout.splitlines()
    assert len(listing) == 5 and listing[-1].strip() == "4 documents"
    assert listing[0] == "2024-05-04  https://valley.example/vote  Valley Post · Budget vote delayed · 1 chunk"
    assert f"2024-05-03  {LONG}  Hill Times · Pier reopens · 1 chunk" in listing  # the id whole, however narrow
    bridge = next(line for line in listing if "/bridge " in line)
    assert bridge.endswith("· also: Valley Post, https://valley.example/amp/bridge")


def test_sync_follow_reads_each_new_page_once(server, tmp_path):
    story = "The council approved a new bridge over the Lys on Wednesday night after a vote of twenty to nine."
    server.put("/bridge", page("Bridge approved", story + "\n\nWork starts in the autumn and lasts two years."))
    server.put("/valley.xml", rss("Valley Post", [{**BRIDGE, "link": server.url("/bridge")}]), "application/rss+xml")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/valley.xml") + "\n")
    nd = make_newsdesk(tmp_path / "home")
    first = nd.sync(feeds, follow=True)
    assert [a.title for a in first.added] == ["Bridge approved"] and not first.warnings
    assert nd.manifest.article(server.url("/bridge")).text.endswith("Work starts in the autumn and lasts two years.")
    second = nd.sync(feeds, follow=True)
    assert (second.added, second.unchanged, server.hits["/bridge"]) == ([], 1, 1)
