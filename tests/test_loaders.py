"""Each format loads as documented; ids, headlines and metadata come out right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import MHRAG_CORPUS
from ingest.loaders import LoadError, decode, find_files, load_file, normalise_text


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
    assert all(f.reason.startswith("no article files in this folder (looked for .htm") for f in failures)


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
