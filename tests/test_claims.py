"""Claims against evidence: `newsdesk verify` on labelled pairs, `newsdesk check` on a draft against
the archive, and the pure pieces under them."""

from __future__ import annotations

import json

import pytest
from conftest import HUNGARY_SENTENCE, cli_json, run_cli

from assistant.claims import balanced_scores, judge_claim, pair_from_row, read_pairs, split_claims


def test_split_claims_drops_bullets_markers_headings_and_fragments():
    draft = ("# Summit notes\n- Hungary promised not to veto the proposal [1].\n"
             "2. Orban rejected sending troops to Ukraine [2][3]. Yes.\n\nNATO agreed [1-2].")
    assert split_claims(draft) == ["Hungary promised not to veto the proposal.",
                                   "Orban rejected sending troops to Ukraine."]
    assert split_claims("") == [] and split_claims("Yes. Agreed. Fine then.") == []


@pytest.mark.parametrize("row, reason", [
    ([1, 2], "JSON object"),
    ({"evidence": "E."}, "missing 'claim'"),
    ({"claim": "C.", "evidence": "  "}, "missing 'evidence'"),
    ({"claim": "C.", "evidence": "E.", "label": "yes"}, "'label' must be 1"),
    ({"claim": "C.", "evidence": "E.", "label": True}, "'label' must be 1"),
])
def test_a_malformed_pair_says_why(row, reason):
    with pytest.raises(ValueError, match=reason):
        pair_from_row(row, "line-1")


def test_pairs_file_keeps_good_rows_and_names_bad_lines(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"id": "a", "claim": "C.", "evidence": "E.", "label": 1}\n{"claim": \n\n{"claim": "D.", "evidence": "F."}\n')
    pairs, errors = read_pairs(path)
    assert [(p.id, p.label) for p in pairs] == [("a", 1), ("line-4", None)]
    assert errors == [f"{path} line 2: not JSON (Expecting value)"]


def test_balanced_scores_weigh_both_sides():
    scores = balanced_scores([1, 1, 1, 0], [True, True, False, False])
    assert scores["keep_supported"] == pytest.approx(2 / 3) and scores["drop_unsupported"] == 1.0
    assert scores["balanced_accuracy"] == pytest.approx(5 / 6)
    always_yes = balanced_scores([1, 0, 0, 0], [True] * 4)
    assert always_yes["balanced_accuracy"] == 0.5  # keeping everything is no verifier
    assert balanced_scores([1], [True])["drop_unsupported"] is None


def test_judge_claim_cites_the_deciding_sentence(seed_desk):
    passages = seed_desk.retrieve("Hungary veto proposal")
    kept = judge_claim("Hungary said it would not block the proposal, provided it was not forced to take part.", passages)
    assert kept.status == "supported" and kept.citation.quote == HUNGARY_SENTENCE
    stored = seed_desk.manifest.article(kept.citation.doc_id).text
    assert stored[kept.citation.start:kept.citation.end] == kept.citation.quote
    flipped = judge_claim("Hungary vowed to veto the proposal.", passages)
    assert flipped.status == "contradicted" and flipped.citation.quote == HUNGARY_SENTENCE
    assert judge_claim("Hungary vowed to veto the proposal.", []).status == "not found"


def test_verify_command_judges_pairs_and_reports_balanced_accuracy(tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [
        {"id": "kept", "claim": "Hungary said it would not veto the proposal if it did not have to take part.",
         "evidence": HUNGARY_SENTENCE, "label": 1},
        {"id": "flipped", "claim": "Hungary vowed to veto the proposal.", "evidence": HUNGARY_SENTENCE, "label": 0},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{oops\n")
    code, data, stderr = cli_json("verify", str(path), home=tmp_path / "home")
    assert code == 1  # one malformed row
    assert [(r["id"], r["supported"], r["label"]) for r in data["results"]] == [
        ("kept", True, "supported"), ("flipped", False, "contradicted")]
    assert data["metrics"]["balanced_accuracy"] == 1.0
    assert data["errors"] == [f"{path} line 3: not JSON (Expecting property name enclosed in double quotes)"]
    assert f"error: {path} line 3" in stderr


def test_verify_command_without_a_file_or_a_model_is_one_line(tmp_path):
    missing = run_cli("verify", str(tmp_path / "none.jsonl"), home=tmp_path / "home")
    assert missing.returncode == 2 and "none.jsonl: cannot read it" in missing.stderr
    (tmp_path / "p.jsonl").write_text("")
    no_llm = run_cli("verify", str(tmp_path / "p.jsonl"), "--with-llm", home=tmp_path / "home",
                     env={"OPENAI_API_KEY": "", "NEWSDESK_LLM_BASE_URL": ""})
    assert no_llm.returncode == 2 and "--with-llm needs an OpenAI-compatible endpoint" in no_llm.stderr


def test_check_command_marks_each_claim_of_a_draft(seed_home, tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text("- Hungary agreed not to block the proposal, as long as it would not have to participate.\n"
                     "- Hungary vowed to veto the proposal.\n")
    code, data, _ = cli_json("check", "--file", str(draft), home=seed_home)
    assert code == 0
    assert [c["status"] for c in data["claims"]] == ["supported", "contradicted"]
    assert all(c["citation"]["quote"] == HUNGARY_SENTENCE for c in data["claims"])
    assert data["counts"] == {"supported": 1, "contradicted": 1, "not found": 0}
    shown = run_cli("check", "Hungary vowed to veto the proposal.", home=seed_home)
    assert shown.returncode == 0 and "CONTRADICTED" in shown.stdout and HUNGARY_SENTENCE in shown.stdout


def test_check_command_errors_are_one_line(seed_home, tmp_path):
    neither = run_cli("check", home=seed_home)
    assert neither.returncode == 2 and "give the draft as TEXT or with --file" in neither.stderr
    fragment = run_cli("check", "Yes.", home=seed_home)
    assert fragment.returncode == 2 and "no sentence to check" in fragment.stderr
    empty_home = run_cli("check", "Hungary vowed to veto the proposal.", home=tmp_path / "typo")
    assert empty_home.returncode == 2 and "no archive at" in empty_home.stderr
