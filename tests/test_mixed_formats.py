"""A folder of every format through the real pipeline: each article stored with its title, outlet,
date and URL right, each bad input one line, and a second run adds nothing (ids are stable)."""

from __future__ import annotations

import json

from conftest import make_newsdesk
from format_samples import ATOM, CSV_NEEDS_MAP, CSV_STANDARD, MALFORMED_RSS, NO_TEXT_PAGE, PAGE, RDF, RSS, SITEMAP, TSV

GOOD = {
    "story.md": "---\nsource: Valley Gazette\npublished_at: 2024-01-10\nurl: https://valley.example/orchard\n---\n"
                "# Orchard reopens\n\nThe old orchard reopened to visitors on Wednesday.\n",
    "cranes.html": PAGE,
    "list.json": json.dumps([{"title": "Ferry strike called off", "body": "The ferry strike was called off on Sunday.",
                              "publisher": "Wire Service", "date": "2024-03-10", "link": "https://wire.example/strike"}]),
    "lines.jsonl": json.dumps({"title": "Museum doubles visitors", "text": "The harbour museum doubled its visitors.",
                               "source": "Coastal Times", "published_at": "2024-03-11"}) + "\n",
    "coastal.rss": RSS,
    "metro.atom": ATOM,
    "valley.rdf": RDF,
    "weekly.xml": '<?xml version="1.0"?><rss version="2.0"><channel><title>Coastal Weekly</title><item>'
                  "<title>Lighthouse keeper retires</title><link>https://weekly.example/lighthouse</link>"
                  "<pubDate>Fri, 08 Mar 2024 12:00:00 GMT</pubDate><description>The last lighthouse keeper on the "
                  "coast retired after 41 years.</description></item></channel></rss>",
    "export.csv": CSV_STANDARD,
    "desk.tsv": TSV,
}
BAD = {"cut.rss": MALFORMED_RSS, "cms.csv": CSV_NEEDS_MAP, "section.html": NO_TEXT_PAGE, "sitemap.xml": SITEMAP}

# one article of each format: (title, outlet, date, url)
EXPECTED = {
    "https://valley.example/orchard": ("Orchard reopens", "Valley Gazette", "2024-01-10", "https://valley.example/orchard"),
    "https://coastal.example/news/2024/03/09/harbour-cranes": (
        "Harbour cranes replaced", "Coastal Times", "2024-03-09T08:00:00+01:00",
        "https://coastal.example/news/2024/03/09/harbour-cranes"),
    "https://wire.example/strike": ("Ferry strike called off", "Wire Service", "2024-03-10", "https://wire.example/strike"),
    "lines.jsonl#1": ("Museum doubles visitors", "Coastal Times", "2024-03-11", ""),
    "https://wire.example/ferry-fares": ("Ferry fares rise by 4% in April", "Wire Service", "2024-03-04T07:00:00+00:00",
                                         "https://wire.example/ferry-fares"),
    "https://metro.example/night-buses": ("Council approves night buses", "Metro Herald", "2024-04-05T10:15:00+02:00",
                                          "https://metro.example/night-buses"),
    "https://valley.example/dam": ("Dam opens its gates", "Valley Gazette", "2024-05-12T06:00:00Z", "https://valley.example/dam"),
    "https://weekly.example/lighthouse": ("Lighthouse keeper retires", "Coastal Weekly", "2024-03-08T12:00:00+00:00",
                                          "https://weekly.example/lighthouse"),
    "https://metro.example/tram": ("Tram line extended to the airport", "Metro Herald", "2024-02-20", "https://metro.example/tram"),
    "https://valley.example/bakery": ("Bakery wins national prize", "Valley Gazette", "2024-01-15", "https://valley.example/bakery"),
}


def test_a_folder_of_every_format_goes_in_with_its_metadata_right(tmp_path):
    folder = tmp_path / "newsroom"
    folder.mkdir()
    for name, content in {**GOOD, **BAD}.items():
        (folder / name).write_text(content)
    desk = make_newsdesk(tmp_path / "home")
    report = desk.ingest([folder])
    stored = {doc_id: desk.manifest.article(doc_id) for doc_id in EXPECTED}
    assert {doc_id: (a.title, a.source, a.published_at, a.url) for doc_id, a in stored.items() if a} == EXPECTED
    reasons = {f.path.removeprefix(f"{folder}/"): f.reason for f in report.failed}
    assert reasons == {
        "cms.csv": "no text column (the columns are: story_id, headline_text, story, site, released); "
                   "name the one that holds the story with --map body=COLUMN",
        "coastal.rss item 2": "no text (the item has neither content nor a summary)",
        "cut.rss": "malformed feed: no element found at line 3 column 26",
        "section.html": "no article text",
        "sitemap.xml": "not an RSS, Atom or RDF feed",
    }
    documents = report.documents
    assert documents == 13 and report.chunks_added >= documents
    again = make_newsdesk(tmp_path / "home").ingest([folder])
    assert (again.documents, again.unchanged, again.chunks_added, again.embedded) == (documents, documents, 0, 0)
