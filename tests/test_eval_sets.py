"""Question sets: JSONL and MultiHop-RAG's native JSON, and the errors bad sets get."""

from __future__ import annotations

import json
from datetime import date

import pytest

from eval.sets import QuestionSetError, check_evidence_known, load_question_set, resolve_copies

NATIVE = [
    {"query": "Did both outlets report the deal?", "answer": "Yes", "question_type": "comparison_query",
     "evidence_list": [{"url": "https://a.example/1", "fact": "The deal closed.", "title": "A"},
                       {"url": "https://b.example/2", "fact": "It closed on Friday.", "title": "B"}]},
    {"query": "Who won the match?", "answer": "Insufficient information.", "question_type": "null_query",
     "evidence_list": []},
]


def test_native_multihop_json_list(tmp_path):
    path = tmp_path / "MultiHopRAG.json"
    path.write_text(json.dumps(NATIVE, indent=2))
    first, second = load_question_set(path)
    assert (first.id, first.question, first.answer, first.question_type) == (
        "MultiHopRAG-1", "Did both outlets report the deal?", "Yes", "comparison_query")
    assert first.gold_docs == ["https://a.example/1", "https://b.example/2"]
    assert first.facts == ["The deal closed.", "It closed on Friday."]
    assert first.line == 2 and not first.is_null
    assert second.id == "MultiHopRAG-2" and second.is_null and second.line > first.line


def test_jsonl_with_either_key_spelling(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [{"id": "q1", "question": "What?", "evidence": [{"doc_id": "a.txt", "fact": "x"}]},
            {"id": "q2", "query": "Which?", "evidence_list": [{"url": "https://b"}]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    q1, q2 = load_question_set(path)
    assert (q1.gold_docs, q2.question, q2.gold_docs, q2.facts) == (["a.txt"], "Which?", ["https://b"], [])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "question": "Q?"}\n{"id": "b", "question": \n', "set.jsonl:2: invalid JSON"),
        ('{"id": "a", "question": "Q?"}\n{"id": "b"}\n', "set.jsonl:2: missing or empty 'question'"),
        ('{"id": "a", "question": "Q?", "evidence": [{"fact": "x"}]}\n', "set.jsonl:1: evidence item 0 needs 'url' or 'doc_id'"),
        ('{"id": "a", "question": "Q?", "evidence": "doc"}\n', "set.jsonl:1: 'evidence' must be a list"),
        ('{"id": "a", "question": "Q?"}\n{"id": "a", "question": "R?"}\n', "set.jsonl:2: duplicate id 'a' (first on line 1)"),
        ('["not an object"]\n', "set.jsonl:1 (item 1): expected a JSON object"),
        ('[\n {"query": "Q?"},\n {"query": ""}\n]\n', "set.jsonl:3 (item 2): missing or empty 'question'"),
        ('[\n {"query": "Q?"}\n {"query": "R?"}\n]\n', "set.jsonl:3: invalid JSON: expected ',' or ']' after item 1"),
        ('[\n {"query": "Q?",\n  "answer": }\n]\n', "set.jsonl:3: invalid JSON"),
        ('[{"query": "Q?"}] trailing\n', "set.jsonl:1: invalid JSON: extra data"),
        ("\n\n", "set.jsonl: no questions"),
    ],
)
def test_bad_sets_name_the_line(tmp_path, content, message):
    path = tmp_path / "set.jsonl"
    path.write_text(content)
    with pytest.raises(QuestionSetError) as caught:
        load_question_set(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unknown_evidence_id_names_the_line(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a", "question": "Q?", "evidence": [{"doc_id": "known"}]}\n'
                    '{"id": "b", "question": "R?", "evidence": [{"doc_id": "missing"}]}\n')
    questions = load_question_set(path)
    check_evidence_known(questions[:1], {"known"}, path)
    with pytest.raises(QuestionSetError, match=r"set\.jsonl:2: evidence document 'missing' is not in the archive"):
        check_evidence_known(questions, {"known"}, path)


def test_the_shipped_seed_set_loads():
    from conftest import REPO

    questions = load_question_set(REPO / "eval" / "sets" / "seed.jsonl")
    assert len(questions) == 14 and sum(q.is_null for q in questions) == 3


def test_as_of_is_read_per_question(tmp_path):
    path = tmp_path / "rtqa.jsonl"
    rows = [{"id": "q1", "question": "Who won this week?", "as_of": "2022-06-16", "evidence": [{"url": "https://a"}]},
            {"id": "q2", "question": "Who won?", "evidence": [{"url": "https://a"}]},
            {"id": "q3", "question": "Who lost?", "as_of": None}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    q1, q2, q3 = load_question_set(path)
    assert (q1.as_of, q2.as_of, q3.as_of) == (date(2022, 6, 16), None, None)


@pytest.mark.parametrize("bad", ["2022-13-01", "16/06/2022", "2022-06-16T10:00:00", 20220616, ""])
def test_bad_as_of_is_one_line_naming_file_and_line(tmp_path, bad):
    path = tmp_path / "rtqa.jsonl"
    rows = [{"id": "q1", "question": "Who won?", "as_of": "2022-06-16"}, {"id": "q2", "question": "Who lost?", "as_of": bad}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(QuestionSetError) as info:
        load_question_set(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: 'as_of' must be a day like 2022-06-16, got ") and "\n" not in message
    assert json.dumps(bad) in message


def test_evidence_folded_into_another_story_counts_as_that_story(tmp_path):
    path = tmp_path / "set.jsonl"
    row = {"id": "q1", "question": "What?", "evidence": [{"url": "https://copy?cid=feed"}, {"url": "https://story"},
                                                          {"url": "https://other", "fact": "kept"}]}
    path.write_text(json.dumps(row) + "\n")
    (question,) = resolve_copies(load_question_set(path), {"https://copy?cid=feed": "https://story"})
    assert question.gold_docs == ["https://story", "https://other"] and question.facts == ["kept"]
    check_evidence_known([question], {"https://story", "https://other"}, path)  # no error
