"""Baseline comparison, gates and atomic report writing, on hand-made report JSON."""

from __future__ import annotations

import json

import pytest

from eval.gates import (
    Gates,
    GateSpecError,
    change_word,
    check_baseline_pairs,
    compare,
    flipped_answers,
    gate_verdict,
    load_baseline,
    parse_gates,
)
from eval.report import md_cell, write_atomically


def report(set_name: str, scores: dict[str, list[float]], **summary) -> dict:
    ids = range(len(next(iter(scores.values()))))
    questions = [{"set": set_name, "id": f"q{i}", "scores": {m: v[i] for m, v in scores.items()}} for i in ids]
    means = {m: sum(v) / len(v) for m, v in scores.items()}
    return {"summary": {**means, **summary}, "questions": questions}


def test_parse_gates():
    assert parse_gates(["hits@10=0.6", "answer_accuracy = 0.25"], "--fail-under") == {"hits@10": 0.6, "answer_accuracy": 0.25}
    assert parse_gates(None, "--fail-under") == {}
    for bad, reason in (("hits@10", "expected metric=value"), ("hitz=1", "unknown metric 'hitz'"), ("mrr@10=high", "not a number")):
        with pytest.raises(GateSpecError, match=reason):
            parse_gates([bad], "--fail-under")


@pytest.mark.parametrize(
    ("flag", "spec", "reason"),
    [
        ("--fail-under", "mrr@10=nan", "must be a finite number"),  # nan compares false: the gate would never fail
        ("--fail-over", "latency_total_p95_s=inf", "must be a finite number"),
        ("--fail-under", "mrr@10=1.5", "mrr@10 runs 0 to 1"),
        ("--fail-over", "latency_total_p95_s=-1", "runs at least 0"),
        ("--fail-under", "judge_correctness=0.5", "runs 1 to 5"),
        ("--max-regression", "mrr@10=-0.5", "cannot be negative"),
    ],
)
def test_gate_values_that_could_never_pass_or_never_fail_are_refused(flag, spec, reason):
    with pytest.raises(GateSpecError, match=reason):
        parse_gates([spec], flag)


def test_gate_verdicts_know_which_way_is_worse():
    gates = Gates(fail_under={"hits@10": 0.5}, fail_over={"latency_total_p95_s": 2.0},
                  max_regression={"mrr@10": 0.05, "false_refusal_rate": 0.0})
    assert gate_verdict("hits@10", 0.5, None, gates) == "pass"  # equal to the floor passes
    assert gate_verdict("hits@10", 0.4, None, gates) == "FAIL: 0.400 < 0.5"
    assert gate_verdict("hits@10", None, None, gates) == "FAIL: not measured"
    assert gate_verdict("latency_total_p95_s", 2.5, None, gates) == "FAIL: 2.500 > 2"
    assert gate_verdict("mrr@10", 0.70, 0.74, gates) == "pass"  # 0.04 worse, 0.05 allowed
    assert gate_verdict("mrr@10", 0.68, 0.74, gates) == "FAIL: regressed by 0.060 > 0.05"
    assert gate_verdict("false_refusal_rate", 0.10, 0.20, gates) == "pass"  # lower is better: an improvement
    assert gate_verdict("false_refusal_rate", 0.25, 0.20, gates) == "FAIL: regressed by 0.050 > 0"
    assert gate_verdict("mrr@10", 0.7, None, gates) == "FAIL: not measured in both runs"
    assert gate_verdict("map@10", 0.1, 0.9, gates) == ""  # no gate on it
    # the value is shown to the threshold's precision, so the message never contradicts itself
    assert gate_verdict("recall@4", 0.91666, None, Gates(fail_under={"recall@4": 0.9167})) == "FAIL: 0.9167 < 0.9167"


def test_compare_pairs_questions_by_set_file_and_id():
    current = report("/runs/new/dev.jsonl", {"hits@10": [1.0, 1.0, 0.0, 1.0]})
    baseline = report("/old/place/dev.jsonl", {"hits@10": [0.0, 1.0, 0.0, 1.0, 1.0]})  # one question more
    (row,) = compare(current, baseline, Gates(max_regression={"hits@10": 0.0}))
    assert (row.metric, row.current, row.baseline, row.delta) == ("hits@10", 0.75, 0.6, pytest.approx(0.15))
    assert row.paired_n == 4 and row.paired[0] == 0.25  # only q0 changed, among the 4 shared questions
    assert row.gate == "pass"
    assert compare(current, None, Gates()) == []  # no baseline, no gates: no table


def test_compare_without_baseline_lists_only_gated_metrics():
    current = report("dev.jsonl", {"hits@10": [1.0, 0.0], "mrr@10": [1.0, 0.0]}, latency_total_p95_s=1.2)
    rows = compare(current, None, Gates(fail_under={"mrr@10": 0.9}, fail_over={"latency_total_p95_s": 1.0}))
    assert [(r.metric, r.gate) for r in rows] == [("mrr@10", "FAIL: 0.500 < 0.9"), ("latency_total_p95_s", "FAIL: 1.200 > 1")]


def test_load_baseline_errors(tmp_path):
    bad = tmp_path / "report.json"
    bad.write_text("{\n  oops")
    with pytest.raises(GateSpecError, match=r"report\.json:2: the baseline is not valid JSON"):
        load_baseline(bad)
    bad.write_text(json.dumps({"summary": {}}))
    with pytest.raises(GateSpecError, match="not a newsdesk eval report.json"):
        load_baseline(bad)
    with pytest.raises(GateSpecError, match="cannot read the baseline"):
        load_baseline(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"summary": {"mrr@10": "high"}, "questions": []}, "summary.mrr@10 is 'high', not a number"),
        ({"summary": {}, "questions": [{}]}, r"questions\[0\] has no 'set' string"),
        ({"summary": {}, "questions": [{"set": "dev.jsonl", "id": "q1"}]}, r"questions\[0\] has no 'scores' object"),
        ({"summary": {}, "questions": [{"set": "dev.jsonl", "id": "q1", "scores": {"hits@10": [1]}}]},
         r"questions\[0\].scores.hits@10 is \[1\], not a number"),
        ({"newsdesk_eval": 99, "summary": {}, "questions": []}, "report format 99, this newsdesk reads format 1"),
    ],
)
def test_a_baseline_of_the_wrong_shape_is_refused_before_the_run(tmp_path, data, problem):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    with pytest.raises(GateSpecError, match="report.json: not a usable newsdesk eval report.json: " + problem):
        load_baseline(path)
    good = report("dev.jsonl", {"hits@10": [1.0, 0.0]}, latency_total_p95_s=0.2)
    path.write_text(json.dumps({"newsdesk_eval": 1, **good}))
    assert load_baseline(path) == {"newsdesk_eval": 1, **good}


def test_nothing_half_written_when_a_writer_fails(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("previous run")

    def broken(path):
        path.write_text("half")
        raise RuntimeError("plot failed")

    with pytest.raises(RuntimeError, match="plot failed"):
        write_atomically(out, {"report.json": lambda p: p.write_text("new"), "latency.png": broken})
    assert (out / "report.json").read_text() == "previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left behind
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]

    fresh = tmp_path / "fresh" / "out"
    with pytest.raises(RuntimeError):
        write_atomically(fresh, {"latency.png": broken})
    assert not fresh.exists()

    write_atomically(out, {"report.json": lambda p: p.write_text("new"), "report.md": lambda p: p.write_text("# r")})
    assert (out / "report.json").read_text() == "new" and (out / "report.md").read_text() == "# r"


def test_max_regression_uses_the_paired_delta_when_questions_are_shared():
    # the baseline ran 4 questions, the current run only the first 2: its mean is higher (+0.25),
    # but on the shared questions it got worse (-0.25), and that is what the gate judges
    baseline = report("dev.jsonl", {"mrr@10": [1.0, 1.0, 0.0, 0.0]})
    current = report("dev.jsonl", {"mrr@10": [1.0, 0.5]})
    (row,) = compare(current, baseline, Gates(max_regression={"mrr@10": 0.2}))
    assert row.delta == pytest.approx(0.25) and row.paired[0] == -0.25 and row.gate == "FAIL: regressed by 0.250 > 0.2"
    assert gate_verdict("mrr@10", 0.75, 0.5, Gates(max_regression={"mrr@10": 0.2}), paired_delta=-0.25).startswith("FAIL")


def test_markdown_cells_hold_one_value_each():
    assert md_cell("q|1") == "q\\|1"
    assert md_cell("two\nlines") == "two lines"
    assert (md_cell(True), md_cell(False), md_cell(None), md_cell(0.5)) == ("yes", "no", "-", "0.5")


def test_a_gate_given_twice_or_the_wrong_way_round_is_refused():
    """Twice: the last would silently win. A ceiling on a higher-is-better metric is --fail-under mistyped."""
    with pytest.raises(GateSpecError, match="given for latency_total_p95_s twice; keep one"):
        parse_gates(["latency_total_p95_s=0.001", "latency_total_p95_s=100"], "--fail-over")
    with pytest.raises(GateSpecError, match="higher mrr@10 is better; to fail when it is too low use --fail-under"):
        parse_gates(["mrr@10=0.99"], "--fail-over")
    with pytest.raises(GateSpecError, match="lower false_refusal_rate is better; to fail when it is too high use --fail-over"):
        parse_gates(["false_refusal_rate=0.1"], "--fail-under")
    assert parse_gates(["false_refusal_rate=0.1"], "--max-regression") == {"false_refusal_rate": 0.1}


def test_a_regression_just_over_its_limit_reads_as_over_it():
    assert gate_verdict("mrr@10", 0.7196, 0.74, Gates(max_regression={"mrr@10": 0.02})) == "FAIL: regressed by 0.0204 > 0.02"


def test_changes_are_called_better_or_worse_by_the_metric_direction():
    assert change_word("mrr@10", 0.05) == "better" and change_word("mrr@10", -0.05) == "worse"
    assert change_word("false_refusal_rate", 0.012) == "worse" and change_word("null_refusal_rate", 0.071) == "better"
    assert change_word("latency_total_p95_s", -0.3) == "better" and change_word("hits@4", 0.0) == "same"
    assert change_word("hits@4", None) == ""


def test_answers_that_flipped_are_listed_both_ways():
    baseline = report("/old/dev.jsonl", {"answer_accuracy": [1.0, 0.0, 1.0, 0.0]})
    current = report("/new/dev.jsonl", {"answer_accuracy": [1.0, 1.0, 0.0, 0.0]})
    assert flipped_answers(current, baseline) == {"now_right": ["dev.jsonl:q1"], "now_wrong": ["dev.jsonl:q2"]}


def test_a_baseline_of_other_questions_is_refused(tmp_path):
    baseline = report("/old/dev.jsonl", {"hits@10": [1.0, 0.0]})
    assert check_baseline_pairs(baseline, tmp_path / "b.json", {("dev.jsonl", "q1"), ("dev.jsonl", "q9")}) == 1
    with pytest.raises(GateSpecError, match=r"shares no question with this run \(its sets: dev.jsonl; this run's: myset.jsonl\)"):
        check_baseline_pairs(baseline, tmp_path / "b.json", {("myset.jsonl", "q0")})
