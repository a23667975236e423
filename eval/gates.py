"""Baseline comparison and release gates, on report JSON (the current run's or a saved report.json)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from eval.catalog import METRICS, PER_QUESTION, REPORT_FORMAT, metric_range, set_label
from eval.confidence import paired_difference


class GateSpecError(ValueError):
    """A ``metric=value`` gate or a baseline file that cannot be used."""


def parse_gates(specs: list[str] | None, flag: str) -> dict[str, float]:
    gates: dict[str, float] = {}
    for spec in specs or []:
        name, sep, value = spec.partition("=")
        name = name.strip()
        if not sep:
            raise GateSpecError(f"{flag} {spec!r}: expected metric=value, e.g. {flag} hits@10=0.6")
        if name not in METRICS:
            raise GateSpecError(f"{flag} {spec!r}: unknown metric {name!r}; known: {', '.join(METRICS)}")
        if name in gates:  # the last would silently win, and the first gate would never be checked
            raise GateSpecError(f"{flag} {spec!r}: {flag} is given for {name} twice; keep one")
        check_direction(flag, spec, name)
        try:
            number = float(value)
        except ValueError:
            raise GateSpecError(f"{flag} {spec!r}: {value!r} is not a number") from None
        gates[name] = check_gate_value(flag, spec, name, number)
    return gates


def check_direction(flag: str, spec: str, name: str) -> None:
    """A floor on a lower-is-better metric, or a ceiling on a higher-is-better one, is the other flag mistyped."""
    higher_is_better = METRICS[name][1]
    if flag == "--fail-over" and higher_is_better:
        raise GateSpecError(f"{flag} {spec!r}: higher {name} is better; to fail when it is too low use --fail-under")
    if flag == "--fail-under" and not higher_is_better:
        raise GateSpecError(f"{flag} {spec!r}: lower {name} is better; to fail when it is too high use --fail-over")


def check_baseline_pairs(baseline: dict, baseline_path: Path, questions: set[tuple[str, str]]) -> int:
    """How many of this run's questions (set file name, id) the baseline also scored.

    None at all is an error before the run: the comparison would set one set's figures against
    another's ("+0.630 accuracy" for 3 questions against 100) and its gates would judge nothing.
    """
    before = {question_key(q) for q in baseline["questions"]}
    shared = len(before & questions)
    if not shared:
        then = ", ".join(sorted({set_label(q["set"]) for q in baseline["questions"]})) or "none"
        now = ", ".join(sorted({label for label, _ in questions})) or "none"
        raise GateSpecError(f"{baseline_path}: the baseline shares no question with this run (its sets: {then}; "
                            f"this run's: {now}); compare runs of the same question sets")
    return shared


def flipped_answers(current: dict, baseline: dict) -> dict[str, list[str]]:
    """Questions answered correctly in one run and not the other, as "set:id", by direction."""
    flips: dict[str, list[str]] = {"now_right": [], "now_wrong": []}
    for (label, question_id), new, old in scored_in_both(current, baseline, "answer_accuracy"):
        if new != old:
            flips["now_right" if new > old else "now_wrong"].append(f"{label}:{question_id}")
    return flips


def check_gate_value(flag: str, spec: str, name: str, value: float) -> float:
    """The value, if a gate on it can ever pass and ever fail; a GateSpecError otherwise.

    ``nan`` compares false with everything, so it would turn a gate off without a word; a threshold
    outside the metric's range (``mrr@10=1.5``) or a negative allowed regression is a typo.
    """
    if not math.isfinite(value):
        raise GateSpecError(f"{flag} {spec!r}: the value must be a finite number")
    low, high = metric_range(name)
    if flag == "--max-regression":
        if value < 0:
            raise GateSpecError(f"{flag} {spec!r}: an allowed regression cannot be negative")
        return value
    if value < low or (high is not None and value > high):
        span = f"{low:g} to {high:g}" if high is not None else f"at least {low:g}"
        raise GateSpecError(f"{flag} {spec!r}: {name} runs {span}")
    return value


def load_baseline(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GateSpecError(f"{path}: cannot read the baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise GateSpecError(f"{path}:{exc.lineno}: the baseline is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("summary"), dict) or not isinstance(data.get("questions"), list):
        raise GateSpecError(f"{path}: not a newsdesk eval report.json (no 'summary' and 'questions')")
    problem = baseline_problem(data)
    if problem:
        raise GateSpecError(f"{path}: not a usable newsdesk eval report.json: {problem}")
    return data


def baseline_problem(data: dict) -> str | None:
    """What makes a report unusable as a baseline (the first thing found), or None.

    Checked before the run, so a bad baseline costs a line, not a finished run.
    """
    version = data.get("newsdesk_eval")
    if version is not None and version != REPORT_FORMAT:
        return f"report format {version!r}, this newsdesk reads format {REPORT_FORMAT}"

    def number(value) -> bool:
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))

    for name in METRICS:
        if not number(data["summary"].get(name)):
            return f"summary.{name} is {data['summary'][name]!r}, not a number"
    for i, q in enumerate(data["questions"]):
        if not isinstance(q, dict):
            return f"questions[{i}] is not an object"
        for key in ("set", "id"):
            if not isinstance(q.get(key), str):
                return f"questions[{i}] has no {key!r} string"
        if not isinstance(q.get("scores"), dict):
            return f"questions[{i}] has no 'scores' object"
        bad = next((m for m, v in q["scores"].items() if not number(v)), None)
        if bad is not None:
            return f"questions[{i}].scores.{bad} is {q['scores'][bad]!r}, not a number"
    return None


def paired_scores(current: dict, baseline: dict, metric: str) -> tuple[list[float], list[float]]:
    """Per-question values of ``metric`` for the questions (set file name, id) scored in both runs."""
    pairs = scored_in_both(current, baseline, metric)
    return [new for _, new, _ in pairs], [old for _, _, old in pairs]


def question_key(question: dict) -> tuple[str, str]:
    """How a report's question is matched across runs: its set's file name and its id."""
    return set_label(question["set"]), question["id"]


def scored_in_both(current: dict, baseline: dict, metric: str) -> list[tuple[tuple[str, str], float, float]]:
    """``(question key, current value, baseline value)`` of ``metric`` for the questions both runs scored."""
    before = {question_key(q): q["scores"].get(metric) for q in baseline["questions"]}
    pairs = []
    for q in current["questions"]:
        key = question_key(q)
        old, new = before.get(key), q["scores"].get(metric)
        if old is not None and new is not None:
            pairs.append((key, new, old))
    return pairs


@dataclass
class Row:
    metric: str
    current: float | None
    baseline: float | None
    delta: float | None
    paired: tuple[float, tuple[float, float]] | None  # mean paired difference and its 95% interval
    paired_n: int
    gate: str  # "" when no gate, "pass", or "FAIL: reason"

    @property
    def failed(self) -> bool:
        return self.gate.startswith("FAIL")

    def as_json(self) -> dict:
        return {
            "metric": self.metric, "current": self.current, "baseline": self.baseline, "delta": self.delta,
            "paired_delta": self.paired[0] if self.paired else None,
            "paired_ci95": list(self.paired[1]) if self.paired else None,
            "paired_questions": self.paired_n, "gate": self.gate,
        }


def regression(metric: str, change: float) -> float:
    """How much worse a change (current - baseline) is, in the metric's units (negative: better)."""
    return -change if METRICS[metric][1] else change


@dataclass
class Gates:
    """Thresholds by metric: fail when the value is under ``fail_under``, over ``fail_over``, or worse than
    the baseline by more than ``max_regression`` (worse: lower for higher-is-better metrics, else higher)."""

    fail_under: dict[str, float] = field(default_factory=dict)
    fail_over: dict[str, float] = field(default_factory=dict)
    max_regression: dict[str, float] = field(default_factory=dict)

    def covers(self, metric: str) -> bool:
        return metric in self.fail_under or metric in self.fail_over or metric in self.max_regression


def gate_verdict(metric: str, current: float | None, baseline: float | None, gates: Gates,
                 paired_delta: float | None = None) -> str:
    """"" when no gate covers the metric, else "pass" or "FAIL: <reasons>". A regression is measured on
    the paired delta (same questions in both runs) when there is one, else on current - baseline."""
    problems = []
    for bounds, fails, sign in ((gates.fail_under, lambda v, t: v < t, "<"), (gates.fail_over, lambda v, t: v > t, ">")):
        if metric in bounds:
            if current is None:
                problems.append("not measured")
            elif fails(current, bounds[metric]):
                problems.append(f"{shown(current, bounds[metric])} {sign} {bounds[metric]:g}")
    if metric in gates.max_regression:
        allowed = gates.max_regression[metric]
        if paired_delta is not None:
            change = paired_delta
        elif current is not None and baseline is not None:
            change = current - baseline
        else:
            change = None
        if change is None:
            problems.append("not measured in both runs")
        elif regression(metric, change) > allowed + 1e-12:
            problems.append(f"regressed by {beyond(regression(metric, change), allowed)} > {allowed:g}")
    if problems:
        return "FAIL: " + "; ".join(dict.fromkeys(problems))
    return "pass" if gates.covers(metric) else ""


def beyond(value: float, threshold: float) -> str:
    """A value just over a threshold with the decimals it takes to read as over it: "0.0204", not "0.020"."""
    for decimals in range(3, 10):
        text = f"{value:.{decimals}f}"
        if float(text) > threshold:
            return text
    return f"{value:.9f}"


def change_word(metric: str, change: float | None) -> str:
    """"better", "worse" or "same" for a change (current - baseline), by the metric's direction."""
    if change is None:
        return ""
    if abs(change) < 5e-4:
        return "same"
    return "worse" if regression(metric, change) > 0 else "better"


def shown(value: float, threshold: float) -> str:
    """The value with as many decimals as the threshold was given with (at least 3), so a failed gate
    never reads "0.917 < 0.9167"."""
    text = f"{threshold:g}"
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return f"{value:.{min(max(3, decimals), 9)}f}"


def compare(current: dict, baseline: dict | None, gates: Gates) -> list[Row]:
    """Without a baseline, one row per gated metric; with one, also a row per metric either run measured."""
    names = [m for m in METRICS if gates.covers(m)
             or (baseline is not None and (current["summary"].get(m) is not None or baseline["summary"].get(m) is not None))]
    rows = []
    for name in names:
        now = current["summary"].get(name)
        then = baseline["summary"].get(name) if baseline else None
        delta = now - then if now is not None and then is not None else None
        paired, n = None, 0
        if baseline is not None and name in PER_QUESTION:
            a, b = paired_scores(current, baseline, name)
            n = len(a)
            paired = paired_difference(a, b)
        verdict = gate_verdict(name, now, then, gates, paired[0] if paired else None)
        rows.append(Row(name, now, then, delta, paired, n, verdict))
    return rows
