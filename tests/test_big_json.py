"""JSON Lines and JSON lists of any size, read a record at a time: a 41 MiB dump loads in flat memory,
a list broken part way keeps what comes before the break, and one oversized or undecodable record
fails alone."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.loaders import MAX_FILE_BYTES, Failure, LoadError, load_file, read_file
from ingest.loaders.json_records import ListReader

PARAGRAPH = ("The council met on Tuesday to discuss the harbour budget and approved three new night bus lines, "
             "the first since the tram opened. ") * 30


def article(number: int) -> dict:
    return {"title": f"Story {number}", "body": f"{PARAGRAPH}\n\nStory number {number} ends here.",
            "url": f"https://news.example/{number}", "source": "Coastal Times", "date": "2024-03-05"}


def peak_while_reading(path: Path) -> tuple[int, int, list]:
    """(articles read, peak traced bytes, the last item), reading the file as the pipeline does: one at a time."""
    tracemalloc.start()
    try:
        count, last = 0, None
        for item in read_file(path, path.parent):
            assert not isinstance(item, Failure), item
            count, last = count + 1, item
        return count, tracemalloc.get_traced_memory()[1], last
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_a_41_mib_jsonl_is_read_in_flat_memory(tmp_path):
    path = tmp_path / "dump.jsonl"
    with path.open("w") as out:
        number = 0
        while out.tell() < 41 * 2**20:
            number += 1
            out.write(json.dumps(article(number)) + "\n")
    size = path.stat().st_size
    count, peak, last = peak_while_reading(path)
    assert count == number and last.doc_id == f"https://news.example/{number}" and last.source == "Coastal Times"
    assert peak < 2 * 2**20 < size / 20, f"peak {peak / 2**20:.1f} MiB reading {size / 2**20:.1f} MiB"


@pytest.mark.slow
def test_a_json_list_over_the_old_20_mib_cap_is_streamed(tmp_path):
    path = tmp_path / "dump.json"
    with path.open("w") as out:
        out.write("[\n")
        number = 0
        while out.tell() < MAX_FILE_BYTES + 2**20:
            out.write(("" if number == 0 else ",\n") + json.dumps(article(number)))
            number += 1
        out.write("\n]\n")
    count, peak, last = peak_while_reading(path)
    assert count == number and last.doc_id == f"https://news.example/{number - 1}"
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB"  # one buffer of the file (1 Mi characters) and an article


def test_a_json_object_over_the_cap_says_what_is_read_at_any_size(tmp_path):
    path = tmp_path / "feed.json"
    with path.open("w") as out:
        out.write('{"title": "Huge feed", "items": [')
        out.write(",".join([json.dumps(article(0))] * (MAX_FILE_BYTES // len(json.dumps(article(0))) + 1)))
        out.write("]}")
    (failure,) = load_file(path, tmp_path).failures
    assert failure.reason == (f"a JSON object of {path.stat().st_size / 2**20:.1f} MiB, over the 20 MiB limit: "
                              "a list of articles, or JSON Lines, is read at any size")


def test_a_list_broken_part_way_keeps_the_articles_before_the_break(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text("[\n" + json.dumps(article(1)) + ",\n" + json.dumps(article(2)) + ',\n{"title": "Cut')
    loaded = load_file(path, tmp_path)
    assert [a.title for a in loaded.articles] == ["Story 1", "Story 2"]
    assert [f.line() for f in loaded.failures] == [f"{path}: invalid JSON at line 4 column 11: Unterminated string starting"]
    extra = tmp_path / "extra.json"
    extra.write_text('[{"title": "A", "body": "Text."}] trailing')
    assert [f.reason for f in load_file(extra, tmp_path).failures] == ["invalid JSON at line 1 column 35: Extra data after the list"]
    missing_comma = tmp_path / "comma.json"
    missing_comma.write_text('[{"title": "A", "body": "Text."}\n {"title": "B", "body": "Text."}]')
    assert [f.reason for f in load_file(missing_comma, tmp_path).failures] == [
        "invalid JSON at line 2 column 2: expected ',' or ']' after an item"]


def test_one_oversized_or_undecodable_line_fails_alone(tmp_path):
    path = tmp_path / "mixed.jsonl"
    with path.open("wb") as out:
        out.write(json.dumps(article(1)).encode() + b"\n")
        out.write(b'{"title": "Huge", "body": "' + b"x" * (MAX_FILE_BYTES + 10) + b'"}\n')
        out.write(b'{"title": "Caf\xe9", "body": "Latin-1, not UTF-8."}\n')
        out.write(json.dumps(article(4)).encode() + b"\n")
    loaded = load_file(path, tmp_path)
    assert [a.title for a in loaded.articles] == ["Story 1", "Story 4"]
    assert [f.line() for f in loaded.failures] == [
        f"{path}:2: line is over the 20 MiB limit for one record",
        f"{path}:3: not valid UTF-8 (column 15); save the file as UTF-8"]


def test_utf16_lists_and_lines_stream_too(tmp_path):
    for name, text in (("a.json", json.dumps([article(1), article(2)])), ("a.jsonl", f"{json.dumps(article(1))}\n\n{json.dumps(article(2))}\n")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-16")
        assert [a.doc_id for a in load_file(path, tmp_path).articles] == ["https://news.example/1", "https://news.example/2"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)


def read_list(text: str, chunk: int) -> list:
    stream = io.StringIO(text)
    return list(ListReader(stream, stream.read(1), chunk).items())


@settings(max_examples=100, deadline=None)
@given(st.lists(JSON_VALUES, max_size=6), st.integers(1, 9), st.sampled_from(["", " ", "\n", "\r\n  "]), st.data())
def test_the_list_reader_reads_what_json_loads_reads_whatever_the_pieces(values, chunk, space, data):
    text = space + "[" + space + ("," + space).join(json.dumps(value) for value in values) + space + "]" + space
    assert read_list(text, chunk) == json.loads(text)
    opening = text.index("[")  # the reader is given only what opens with "["
    cut = data.draw(st.integers(0, len(text) - 1).filter(lambda at: at != opening))
    broken = text[:cut] + text[cut + 1 :]  # one character taken out: what json.loads refuses, the reader refuses
    try:
        expected = json.loads(broken)
    except ValueError:
        with pytest.raises(LoadError, match="^invalid JSON at line"):
            read_list(broken, chunk)
    else:
        if isinstance(expected, list):
            assert read_list(broken, chunk) == expected
