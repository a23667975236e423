"""CSV and TSV: the usual column names recognised, others named with --map (the loaders and the
CLI), the delimiter sniffed, big cells allowed, a failing row named by its number, a table without a
text column refused in one line that says how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_newsdesk, run_cli
from format_samples import CSV_NEEDS_MAP, CSV_STANDARD, TSV
from ingest.loaders import format_for_content_type, load_file, parse_field_map


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content)
    return path


def fields(article) -> tuple:
    return article.doc_id, article.title, article.source, article.published_at, article.url, article.author


def test_a_csv_with_the_usual_column_names(tmp_path):
    loaded = load_file(write(tmp_path, "export.csv", CSV_STANDARD), tmp_path)
    tram, snow = loaded.articles
    assert fields(tram) == ("https://metro.example/tram", "Tram line extended to the airport", "Metro Herald",
                            "2024-02-20", "https://metro.example/tram", "Ana Ruiz")
    assert tram.text == ('The tram line now runs to the airport, the transport office said.\n\n'
                         'Trips take "about 25 minutes" from the centre.')
    assert fields(snow) == ("https://alpine.example/pass", "Snow closes the mountain pass", "Alpine Post", "2024-02-21",
                            "https://alpine.example/pass", "")
    assert loaded.failures == []


def test_a_tsv_and_ids_by_row_without_urls(tmp_path):
    (bakery,) = load_file(write(tmp_path, "desk.tsv", TSV), tmp_path).articles
    assert fields(bakery) == ("https://valley.example/bakery", "Bakery wins national prize", "Valley Gazette",
                              "2024-01-15", "https://valley.example/bakery", "")
    no_urls = write(tmp_path, "notes.tsv", "headline\tarticle\nOne\tFirst story.\n\nTwo\tSecond story.\n")
    assert [(a.doc_id, a.title, a.text) for a in load_file(no_urls, tmp_path).articles] == [
        ("notes.tsv#2", "One", "First story."), ("notes.tsv#4", "Two", "Second story.")]  # row numbers, header = row 1


def test_other_column_names_need_map_and_the_error_says_so(tmp_path):
    path = write(tmp_path, "cms.csv", CSV_NEEDS_MAP)
    assert [f.line() for f in load_file(path, tmp_path).failures] == [
        f"{path}: no text column (the columns are: story_id, headline_text, story, site, released); "
        "name the one that holds the story with --map body=COLUMN"]
    mapping = parse_field_map(["body=story", "title=Headline_Text", "source=site", "date=released"])
    (wind,) = load_file(path, tmp_path, mapping).articles
    assert fields(wind) == ("cms.csv#2", "Wind farm approved", "Coastal Times", "2024-06-13", "", "")
    assert wind.text == "The regional council approved the offshore wind farm on Thursday."
    # a map with none of a table's columns is for other files; with some but not all, one is misspelt
    assert [f.reason for f in load_file(path, tmp_path, parse_field_map(["body=story", "source=sitee"])).failures] == [
        "--map source=sitee: no such column (the columns are: story_id, headline_text, story, site, released)"]
    tsv = write(tmp_path, "desk.tsv", TSV)
    assert [a.title for a in load_file(tsv, tmp_path, mapping).articles] == ["Bakery wins national prize"]


def test_map_applies_to_json_and_jsonl_records_too(tmp_path):
    path = write(tmp_path, "api.jsonl", json.dumps({"headline_text": "Wind farm approved", "story": "Approved on Thursday.",
                                                    "site": "Coastal Times", "title": "ignored"}) + "\n")
    (article,) = load_file(path, tmp_path, parse_field_map(["body=story", "title=headline_text", "source=site"])).articles
    assert (article.title, article.text, article.source) == ("Wind farm approved", "Approved on Thursday.", "Coastal Times")


def test_failing_rows_are_named_by_number_and_the_rest_go_in(tmp_path):
    path = write(tmp_path, "rows.csv", "title,body,date\nGood,Fine text.,2024-01-02\nNo text,,2024-01-03\n"
                                       "Bad date,Some text.,2024-13-45\nToo many,a,b,c,d\nAlso good,More text.,\n")
    loaded = load_file(path, tmp_path)
    assert [a.title for a in loaded.articles] == ["Good", "Also good"]
    assert [f.line() for f in loaded.failures] == [
        f"{path} row 3: no text in the 'body' column",
        f"{path} row 4: 'published_at' '2024-13-45' is not a date: use YYYY-MM-DD or ISO 8601",
        f"{path} row 5: 5 cells under a header of 3 columns (a ',' in a cell that is not in quotes?)"]
    typo = write(tmp_path, "typo.csv", "title,body,sorce\nT,Text.,Desk\n")
    assert [f.reason for f in load_file(typo, tmp_path).failures] == [
        "column 'sorce' is not one Newsdesk reads; did you mean 'source'? (rename the column, or --map a field to it)"]
    empty = write(tmp_path, "header.csv", "title,body\n")
    assert [f.reason for f in load_file(empty, tmp_path).failures] == ["no rows after the header row"]


def test_the_delimiter_is_sniffed_and_big_cells_load(tmp_path):
    story = "Long story. " * 150_000  # 1.8 MB in one cell: over the csv module's default limit
    path = write(tmp_path, "big.csv", f'title;"body";source\nLong one;"{story}";Desk\n')
    (article,) = load_file(path, tmp_path).articles
    assert (article.title, article.source, len(article.text)) == ("Long one", "Desk", len(story.strip()))
    piped = write(tmp_path, "piped.csv", "title|text\nPipes|Bar separated.\n")
    assert [a.text for a in load_file(piped, tmp_path).articles] == ["Bar separated."]


def test_tables_register_their_content_types():
    assert {format_for_content_type(kind).name for kind in ("text/csv; charset=utf-8", "text/tab-separated-values")} == {"csv"}


def test_map_through_the_cli(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "cms.csv", CSV_NEEDS_MAP)
    write(folder, "desk.tsv", TSV)
    home = tmp_path / "home"
    bad = run_cli("ingest", str(folder), "--map", "teaser=summary", home=home)
    assert bad.returncode == 2 and not home.exists()
    assert bad.stderr.strip().splitlines() == [
        "error: --map 'teaser=summary': 'teaser' is not an article field (use title, body, url, source, author, "
        "published_at, category)"]
    mapped = run_cli("ingest", str(folder), "--map", "body=story", "--map", "title=headline_text", "--map", "source=site",
                     "--map", "published_at=released", "--json", home=home)
    assert mapped.returncode == 0 and json.loads(mapped.stdout)["failed"] == [], mapped.stderr
    desk = make_newsdesk(home)
    stored = desk.manifest.article("cms.csv#2")
    assert (stored.title, stored.source, stored.published_at) == ("Wind farm approved", "Coastal Times", "2024-06-13")
    assert desk.manifest.article("https://valley.example/bakery").title == "Bakery wins national prize"  # the map is not for it


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000) | st.text(max_size=300).map(lambda cells: f"title,body\n{cells}\n"),
       st.sampled_from([".csv", ".tsv"]))
def test_any_bytes_load_or_fail_cleanly(tmp_path, raw, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    loaded = load_file(path, tmp_path)  # must not raise
    assert all(article.text.strip() and article.doc_id for article in loaded.articles)
    assert all(f.reason and "\n" not in f.reason and f.path.startswith(str(path)) for f in loaded.failures)
