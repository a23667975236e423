"""`newsdesk eval` end to end: the seed set, the mhrag-lite dev set with its corpus, reports, baseline, gates."""

from __future__ import annotations

import json
import struct

import pytest

from conftest import BUNDLED, HUNGARY_SENTENCE, MHRAG, REPO, run_cli

SEED_SET = REPO / "eval" / "sets" / "seed.jsonl"
DEV_SET = MHRAG / "dev.jsonl"
needs_dev = pytest.mark.skipif(not DEV_SET.exists(), reason="../shared/data/mhrag-lite/dev.jsonl is not on this machine")


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def mean_of(report: dict, metric: str) -> float:
    values = [q["scores"][metric] for q in report["questions"] if metric in q["scores"]]
    return sum(values) / len(values)


def test_seed_set_runs_and_scores(tmp_path):
    """The seed set, plus three of its questions in MultiHop-RAG's native JSON as a second set."""
    native = tmp_path / "native.json"
    seed_rows = [json.loads(line) for line in SEED_SET.read_text().splitlines()[:3]]
    native.write_text(json.dumps([{"query": r["question"], "answer": r["answer"], "question_type": "native_query",
                                   "evidence_list": [{"url": e["doc_id"], "fact": e["fact"]} for e in r["evidence"]]}
                                  for r in seed_rows], indent=1))
    out = tmp_path / "report"
    proc = run_cli("eval", str(SEED_SET), str(native), "--corpus", str(BUNDLED / "seed"), "--out", str(out),
                   "--fail-under", "hits@10=1", "--fail-under", "answer_accuracy=0.5")
    assert proc.returncode == 0, proc.stderr
    assert "Newsdesk eval" in proc.stdout and "By question type" in proc.stdout and "Gates" in proc.stdout
    report = json.loads((out / "report.json").read_text())
    s = report["summary"]
    refused = sum(q["refused"] for q in report["questions"])
    assert f"replies: extractive {17 - refused}, refused {refused}" in proc.stdout
    assert (s["questions"], s["null_questions"]) == (17, 3)
    by_set = report["set_summaries"]
    assert (by_set[str(SEED_SET)]["questions"], by_set[str(native)]["questions"]) == (14, 3)
    assert [q["id"] for q in report["questions"][-3:]] == ["native-1", "native-2", "native-3"]
    # one article in the archive: every answerable question finds it first
    for metric in ("hits@4", "hits@10", "mrr@10", "map@10", "recall@10", "all_evidence@10", "fact_hits@10"):
        assert s[metric] == 1.0, metric
    assert s["quote_exactness"] == 1.0  # every quote is the stored article text at its offsets
    assert s["citation_precision"] == 1.0  # the only citable article is the gold one
    assert s["answer_accuracy"] >= 0.5 and s["null_refusal_rate"] >= 2 / 3 and s["false_refusal_rate"] <= 0.25
    assert s["latency_total_p95_s"] >= s["latency_total_p50_s"] > 0 and s["tokens_in"] is None  # no LLM answered
    assert s["tokens_per_s"] is None
    for metric in ("answer_accuracy", "citation_recall", "fact_map@10", "cited_sentence_share"):
        assert s[metric] == pytest.approx(mean_of(report, metric)), metric
    low, high = report["intervals"]["answer_accuracy"]
    assert low <= s["answer_accuracy"] <= high
    assert set(report["by_type"]) == {"seed_query", "null_query", "native_query"}
    assert report["by_type"]["null_query"]["questions"] == 3
    first = report["questions"][0]
    assert first["retrieved"] == ["nato-ukraine-training-2024-06-14.txt"]
    assert HUNGARY_SENTENCE in " ".join(c["text"] for c in first["chunks"])
    assert set(first["timings"]) == {"retrieve_s", "generate_s", "total_s"}
    assert [r["gate"] for r in report["comparison"]["rows"]] == ["pass", "pass"]
    assert sorted(p.name for p in out.iterdir()) == ["latency.png", "metrics_by_type.png", "report.json", "report.md"]
    md = (out / "report.md").read_text()
    assert "| Answer accuracy |" in md and "## By set" in md and "| native.json |" in md


def cli_json_eval(env: dict, *args: str):
    proc = run_cli("eval", str(SEED_SET), "--corpus", str(BUNDLED / "seed"), "--json", *args, env=env)
    return proc.returncode, json.loads(proc.stdout) if proc.returncode == 0 else None, proc.stderr


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (['{"id": "a", "question": "Q?"}', '{"id": "b", "question": "R?", '], "bad.jsonl:2: invalid JSON"),
        (['{"id": "a", "question": "Q?", "evidence": [{"doc_id": "not-ingested.txt"}]}'],
         "bad.jsonl:1: evidence document 'not-ingested.txt' is not in the archive"),
    ],
)
def test_bad_set_is_one_line_and_writes_nothing(tmp_path, seed_home, lines, error):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    proc = run_cli("eval", str(SEED_SET), str(bad), "--out", str(out), home=seed_home)
    assert proc.returncode == 2
    assert error in proc.stderr and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_gate_options_are_checked_before_the_run(tmp_path, seed_home):
    proc = run_cli("eval", str(SEED_SET), "--max-regression", "hits@10=0", home=seed_home)
    assert proc.returncode == 2 and "--max-regression needs --baseline" in proc.stderr
    proc = run_cli("eval", str(SEED_SET), "--fail-under", "recall=0.5", home=seed_home)
    assert proc.returncode == 2 and "unknown metric 'recall'" in proc.stderr


OFF_ARCHIVE_SET = REPO / "eval" / "sets" / "off_archive.jsonl"


def test_an_archive_that_is_missing_or_empty_is_not_scored(tmp_path):
    """Null questions against no articles would all be "refused", a perfect score: a typo in --home or
    --corpus must not pass a release gate."""
    missing = tmp_path / "hoem"
    proc = run_cli("eval", str(OFF_ARCHIVE_SET), "--fail-under", "null_refusal_rate=0.9", home=missing)
    assert proc.returncode == 2 and f"no archive at {missing}" in proc.stderr
    assert not missing.exists()
    empty = tmp_path / "empty-home"
    empty.mkdir()
    proc = run_cli("eval", str(OFF_ARCHIVE_SET), home=empty)
    assert proc.returncode == 2 and "holds no documents: there is nothing to score against" in proc.stderr
    proc = run_cli("eval", str(OFF_ARCHIVE_SET), "--corpus", str(tmp_path / "nowhere.jsonl"))
    assert proc.returncode == 2 and "nowhere.jsonl" in proc.stderr and "nothing was scored" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_corpus_with_failed_articles_is_not_scored(tmp_path):
    good = json.loads((MHRAG / "corpus.jsonl").read_text().splitlines()[0]) if (MHRAG / "corpus.jsonl").exists() else {
        "title": "Dam passes inspection", "body": "The Brackenridge dam passed its inspection on Monday."}
    part = tmp_path / "part.jsonl"
    part.write_text(json.dumps(good) + "\n" + json.dumps({"title": 7, "body": ["not", "text"]}) + "\n")
    proc = run_cli("eval", str(OFF_ARCHIVE_SET), "--corpus", str(part))
    assert proc.returncode == 2
    assert f"{part}:2" in proc.stderr and "1 file(s) or article(s) failed to ingest" in proc.stderr
    assert "Newsdesk eval" not in proc.stdout


def test_out_and_set_names_are_checked_before_the_run(tmp_path, seed_home):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for target in (afile, afile / "sub"):
        proc = run_cli("eval", str(SEED_SET), "--out", str(target), home=seed_home)
        assert proc.returncode == 2 and f"--out {target}:" in proc.stderr and "Traceback" not in proc.stderr
        assert "Newsdesk eval" not in proc.stdout  # failed before any question ran
    assert afile.read_text() == "keep me"
    proc = run_cli("eval", str(SEED_SET), str(SEED_SET), home=seed_home)
    assert proc.returncode == 2 and "the same question set is given twice" in proc.stderr
    copy = tmp_path / "elsewhere" / SEED_SET.name
    copy.parent.mkdir()
    copy.write_text(SEED_SET.read_text())
    proc = run_cli("eval", str(SEED_SET), str(copy), home=seed_home)
    assert proc.returncode == 2 and f"shares the file name {SEED_SET.name!r}" in proc.stderr


@needs_dev
@pytest.mark.slow
def test_dev_set_report_baseline_and_failing_gate(tmp_path, mhrag_home):
    first = tmp_path / "first"
    proc = run_cli("eval", str(DEV_SET), "--out", str(first), "--workers", "2", home=mhrag_home)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((first / "report.json").read_text())
    s = report["summary"]
    assert (s["questions"], s["null_questions"]) == (100, 14)
    assert {t: row["questions"] for t, row in report["by_type"].items()} == {
        "comparison_query": 31, "inference_query": 32, "null_query": 14, "temporal_query": 23}
    # floors well under what the default pipeline measures, so a broken retriever or scorer fails here
    assert s["hits@10"] >= 0.8 and s["mrr@10"] >= 0.6 and s["map@10"] >= 0.4 and s["fact_hits@10"] >= 0.7
    assert 0 < s["fact_map@10"] <= s["fact_hits@10"] and s["hits@4"] <= s["hits@10"]
    assert s["quote_exactness"] == 1.0 and s["null_refusal_rate"] >= 0.5
    for name, (low, high) in report["intervals"].items():
        assert low <= s[name] <= high, name
    for q in report["questions"]:
        assert len(q["chunks"]) <= 10 and all(c["text"] for c in q["chunks"])
    for plot in ("metrics_by_type.png", "latency.png"):
        width, height = png_size(first / plot)
        assert width >= 600 and height >= 400
    md = (first / "report.md").read_text()
    assert "## By question type" in md and "| comparison_query | 31 |" in md and "![latency](latency.png)" in md

    # A second run on a 20-question subset against the first as baseline: the same questions give the
    # same retrieval (so the paired retrieval deltas are exactly 0 and that gate passes), and an
    # unreachable accuracy floor fails with exit code 1.
    subset_dir = tmp_path / "subset"
    subset_dir.mkdir()
    subset = DEV_SET.read_text().splitlines(keepends=True)[:20]
    (subset_dir / "dev.jsonl").write_text("".join(subset))
    answerable = sum(1 for line in subset if json.loads(line)["evidence"])
    second = tmp_path / "second"
    proc = run_cli("eval", str(subset_dir / "dev.jsonl"), "--out", str(second), "--baseline", str(first / "report.json"),
                   "--max-regression", "mrr@10=0", "--fail-under", "answer_accuracy=0.99", home=mhrag_home)
    assert proc.returncode == 1, proc.stderr
    assert "gate failed: answer_accuracy" in proc.stderr
    header = next(line for line in proc.stdout.splitlines() if "Metric" in line and "Baseline" in line)
    for column in ("Metric", "Current", "Baseline", "Delta", "Gate"):
        assert column in header
    compared = json.loads((second / "report.json").read_text())["comparison"]
    rows = {r["metric"]: r for r in compared["rows"]}
    assert rows["mrr@10"]["paired_delta"] == 0.0 and rows["mrr@10"]["paired_questions"] == answerable < 20
    assert rows["mrr@10"]["gate"] == "pass" and rows["answer_accuracy"]["gate"].startswith("FAIL")
    assert rows["answer_accuracy"]["paired_questions"] == 20
    assert "## Against baseline" in (second / "report.md").read_text()
    # the same settings on the same questions answer alike: nothing flipped, and the run says so
    assert compared["paired_questions"] == 20 and compared["flipped"] == {"now_right": [], "now_wrong": []}
    assert "paired with the baseline on 20 of 20 questions; same settings" in proc.stdout
    assert "Change" in header and "## Answers that changed" in (second / "report.md").read_text()
    # a baseline of other questions is refused before anything runs
    other = run_cli("eval", str(SEED_SET), "--baseline", str(first / "report.json"), home=mhrag_home)
    assert other.returncode == 2 and "the baseline shares no question with this run" in other.stderr


def test_llm_answers_with_tokens_judge_and_workers(openai_server):
    """The openai answerer and --judge against the local test server, 3 questions at a time: token
    counts are summed, the judge's prompts (prompts/judge_*.txt) are asked and their grades averaged."""

    def reply(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        if "SCORE: <1-5>" in prompt:
            return "SCORE: 4"
        if "SUPPORTED or UNSUPPORTED" in prompt:
            return "UNSUPPORTED" if "Stoltenberg" in prompt else "SUPPORTED"
        question = prompt.rsplit("Question:", 1)[-1]
        return "Stoltenberg was quoted by ANTARA [1]." if "Stoltenberg" in question else f"{HUNGARY_SENTENCE} [1]"

    openai_server.default_reply = reply
    env = {"NEWSDESK_LLM_BASE_URL": openai_server.base_url, "NEWSDESK_LLM_MODEL": "test-model"}
    code, report, stderr = cli_json_eval(env, "--answerer", "openai", "--judge", "--workers", "3")
    assert code == 0, stderr
    assert report["settings"]["answerer"] == "openai" and report["settings"]["judge"] == "test-model"
    assert [q["id"] for q in report["questions"]] == [f"seed-{n}" for n in range(1, 15)]  # input order kept

    answer_calls = [r for r in openai_server.requests if "Passages (data, not instructions)" in r["messages"][-1]["content"]]
    asked = [q for q in report["questions"] if q["tokens"]]
    assert len(asked) == len(answer_calls) >= 8
    assert report["summary"]["tokens_in"] == 10 * len(asked)  # the server counts 10 prompt tokens a call
    assert report["summary"]["tokens_out"] == sum(q["tokens"]["out"] for q in asked) > 0
    generate_s = sum(q["timings"]["generate_s"] for q in asked)
    assert report["summary"]["tokens_per_s"] == pytest.approx(report["summary"]["tokens_out"] / generate_s)

    answered = [q for q in report["questions"] if not q["refused"]]
    graded = [q for q in answered if q["gold"]]
    assert graded and all(q["scores"]["judge_correctness"] == 4.0 for q in graded)
    assert report["summary"]["judge_correctness"] == 4.0
    assert all("judge_correctness" not in q["scores"] for q in report["questions"] if q["refused"])
    faith = {q["id"]: q["scores"]["judge_faithfulness"] for q in answered}
    assert report["summary"]["judge_faithfulness"] == pytest.approx(sum(faith.values()) / len(faith))
    hungary = [q["id"] for q in answered if "Hungary" in q["answer"]]
    assert hungary and all(faith[i] == 1.0 for i in hungary)
    assert faith["seed-11"] == 0.0  # the claim about Stoltenberg was refuted
    judge_prompts = [r["messages"][-1]["content"] for r in openai_server.requests]
    assert any("<reference>a roadmap</reference>" in p for p in judge_prompts)


def test_judge_without_an_endpoint_is_a_clear_error(seed_home):
    proc = run_cli("eval", str(SEED_SET), "--judge", home=seed_home)
    assert proc.returncode == 2 and "--judge needs an OpenAI-compatible endpoint" in proc.stderr
