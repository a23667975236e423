"""Load test: many chat sessions at once against a running `newsdesk chat`, loopback only.

    python -m eval.benchmarks.load [--sessions 20] [--seconds 300] [--single-seconds 30] [--think 0]

Starts `newsdesk chat --answerer extractive` on 127.0.0.1 (a free port, the queue sized for this
machine's cores as the command sizes it) over a home holding the bundled sample archive (what
`newsdesk demo` ingests). The questions are the seed set's answerable ones that the server answered
with a citation when asked alone, so under load every answer must still come back cited.

Two phases, each asking through the page's ``/ask`` API (one ``gradio_client.Client`` a session,
so each has its own conversation; ``--think`` seconds on average between an answer and the next
question, the sessions out of step as readers are)
until its time is up: one session alone for ``--single-seconds``, asking back to back (the latency
the page gives one user), then ``--sessions`` sessions at once for ``--seconds``, ``--think`` apart.
Prints requests, errors, uncited answers, latency p50/p95 of both phases, and the server's resident
memory (RSS), sampled every second: before the load, at the end of the warm-up (the first quarter
of the concurrent phase, while every worker thread allocates for the first time), at the end, its
peak, and its trend over the rest of the run in MiB per minute (a least-squares slope), with a
sparkline. Then PASS or FAIL for each goal: no errors, RSS at the end within 25% of RSS after the
warm-up, p95 under load within 3x the single session's p95. Exits 1 unless all pass. Bounded in
time and count; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

SETS = [Path(__file__).resolve().parents[1] / "sets" / "seed.jsonl"]
MAX_REQUESTS_PER_SESSION = 2000
RSS_GROWTH_GOAL = 1.25  # RSS at the end at most this times RSS after the warm-up
P95_RATIO_GOAL = 3.0  # p95 under load at most this times the single session's p95
WARMUP_SHARE = 0.25
SPARK = "▁▂▃▄▅▆▇█"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of ``(seconds, MiB)`` samples, in MiB per minute (0 for fewer than two)."""
    if len(samples) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in samples)
    mean_m = statistics.fmean(m for _, m in samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return 0.0
    return 60 * sum((t - mean_t) * (m - mean_m) for t, m in samples) / spread


def sparkline(values: list[float], width: int = 60) -> str:
    """Values as a row of block characters, averaged into at most ``width`` buckets."""
    if not values:
        return ""
    size = max(1, -(-len(values) // width))
    buckets = [statistics.fmean(values[i : i + size]) for i in range(0, len(values), size)]
    low, high = min(buckets), max(buckets)
    if high == low:
        return SPARK[0] * len(buckets)
    return "".join(SPARK[round((v - low) / (high - low) * (len(SPARK) - 1))] for v in buckets)


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"newsdesk chat exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("newsdesk chat did not come up")


def ask(client, question: str) -> tuple[float, str]:
    started = time.perf_counter()
    chat, _cards = client.predict(question, [], [], None, None, api_name="/ask")
    return time.perf_counter() - started, str(chat[-1]["content"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass
class Phase:
    """What the sessions of one phase saw."""

    sessions: int
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    wall: float = 0.0

    @property
    def errors(self) -> int:
        return len(self.failures) + len(self.uncited)


def run_sessions(url: str, questions: list[str], sessions: int, seconds: float, think: float = 0.0) -> Phase:
    """``sessions`` clients asking one question after another, ``think`` seconds apart on average,
    until ``seconds`` have passed.

    Readers do not act in step: each session starts at a random moment of the first pause and
    pauses for a random 0.5-1.5x ``think`` (seeded, so runs compare). With fixed pauses from a
    common start, all sessions would ask in the same instant every round, and the benchmark would
    measure a burst of ``sessions`` questions rather than that many readers."""
    import random

    from gradio_client import Client

    pauses = random.Random(sessions)

    phase = Phase(sessions)
    lock = threading.Lock()
    deadline = time.time() + seconds

    def pause() -> float:
        with lock:
            return think * pauses.uniform(0.5, 1.5)

    def session(index: int) -> None:
        if think:
            time.sleep(think * index / sessions)  # spread over the first pause: sessions start apart
        try:
            client = Client(url, verbose=False)
        except Exception as exc:
            with lock:
                phase.failures.append(f"session {index}: {type(exc).__name__}: {exc}")
            return
        for n in range(MAX_REQUESTS_PER_SESSION):
            if n and think:
                time.sleep(pause())
            if time.time() >= deadline:
                return
            question = questions[(index + n) % len(questions)]
            try:
                took, answer = ask(client, question)
            except Exception as exc:
                with lock:
                    phase.failures.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                phase.latencies.append(took)
                if "Sorry" in answer:
                    phase.failures.append(answer[:120])
                elif "nd-marker" not in answer:
                    phase.uncited.append(question)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.wall = time.time() - started
    return phase


def sample_home(home: str) -> None:
    """The bundled sample archive, as `newsdesk demo` ingests it."""
    from assistant.cli.answering import sample_paths

    done = subprocess.run([sys.executable, "-m", "assistant", "ingest", *map(str, sample_paths()), "--home", home, "--json"],
                          check=True, capture_output=True, text=True)
    report = json.loads(done.stdout)
    if report.get("failed"):
        raise RuntimeError(f"the sample archive did not ingest cleanly: {report['failed']}")


def main(argv: list[str] | None = None) -> int:
    import assistant  # noqa: F401  (offline environment first: gradio_client would look up the hub)
    from gradio_client import Client

    from assistant.serving import answers_at_once, queue_size
    from assistant.settings import load_settings
    from eval.sets import load_question_set

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20, help="Sessions at once in the load phase (default 20).")
    parser.add_argument("--seconds", type=float, default=300, help="Length of the load phase (default 300).")
    parser.add_argument("--single-seconds", type=float, default=30, help="Length of the single-session phase (default 30).")
    parser.add_argument("--think", type=float, default=0.0,
                        help="Seconds each session waits between an answer and its next question, as a reader would "
                             "(default 0: ask at once, the heaviest load).")
    args = parser.parse_args(argv)
    console = Console(width=150)
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="newsdesk-load-") as home:
        sample_home(home)
        settings = load_settings(home=Path(home))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        server = subprocess.Popen(
            [sys.executable, "-m", "assistant", "chat", "--home", home, "--port", str(port), "--answerer", "extractive"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(url, server)
            probe = Client(url, verbose=False)
            questions = []
            for question in (q.question for path in SETS for q in load_question_set(path) if not q.is_null):
                _, answer = ask(probe, question)
                if "nd-marker" in answer:
                    questions.append(question)
            # back to back: one reader's latency does not depend on the pause, and this gives a p95 of many answers
            single = run_sessions(url, questions, 1, args.single_seconds)
            rss_start = rss_mib(server.pid)
            samples: list[tuple[float, float]] = []
            load_running = threading.Event()
            load_running.set()
            started = time.time()

            def sample_memory() -> None:
                while load_running.is_set():
                    samples.append((time.time() - started, rss_mib(server.pid)))
                    time.sleep(1)

            sampler = threading.Thread(target=sample_memory)
            sampler.start()
            try:
                load = run_sessions(url, questions, args.sessions, args.seconds, args.think)
            finally:
                load_running.clear()
                sampler.join()
            rss_end = rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    cores = f"{os.cpu_count()} cores, {answers_at_once(settings)} answers at once, queue of {queue_size(settings)}"
    table = Table(title=f"Chat under load: 1 session for {args.single_seconds:.0f} s, then {args.sessions} for "
                        f"{args.seconds:.0f} s, {args.think:g} s apart on average ({cores}; load average {load_before:.2f} before, "
                        f"{os.getloadavg()[0]:.2f} after)")
    for column in ("phase", "requests", "errors", "uncited", "answers/s", "p50 s", "p95 s"):
        table.add_column(column, justify="right")
    for name, phase in (("1 session", single), (f"{args.sessions} sessions", load)):
        table.add_row(name, str(len(phase.latencies)), str(len(phase.failures)), str(len(phase.uncited)),
                      f"{len(phase.latencies) / phase.wall:.2f}", f"{percentile(phase.latencies, 0.5):.2f}",
                      f"{percentile(phase.latencies, 0.95):.2f}")
    console.print(table)
    steady = [(t, m) for t, m in samples if t >= WARMUP_SHARE * load.wall]
    rss_warm = steady[0][1] if steady else float("nan")
    peak = max((m for _, m in samples), default=float("nan"))
    console.print(f"server RSS: {rss_start:.0f} MiB before the load, {rss_warm:.0f} after warm-up (first "
                  f"{WARMUP_SHARE:.0%}), {rss_end:.0f} at the end, peak {peak:.0f}; trend after warm-up "
                  f"{slope_per_minute(steady):+.1f} MiB/min")
    console.print(f"RSS over the load phase, one sample a second: {sparkline([m for _, m in samples])}")
    console.print(f"{len(questions)} distinct questions, each answered with a citation when asked alone")
    single_p95, load_p95 = percentile(single.latencies, 0.95), percentile(load.latencies, 0.95)
    goals = [
        (f"errors: {single.errors + load.errors} (failed or uncited answers; goal 0)", single.errors + load.errors == 0),
        (f"RSS at the end {rss_end:.0f} MiB = {rss_end / rss_warm:.2f}x RSS after warm-up (goal at most "
         f"{RSS_GROWTH_GOAL:.2f}x)", rss_end <= RSS_GROWTH_GOAL * rss_warm),
        (f"p95 under load {load_p95:.2f} s = {load_p95 / single_p95:.1f}x the single session's {single_p95:.2f} s "
         f"(goal at most {P95_RATIO_GOAL:.0f}x)", load_p95 <= P95_RATIO_GOAL * single_p95),
    ]
    for said, passed in goals:
        console.print(f"{'[green]PASS[/]' if passed else '[red]FAIL[/]'} {said}")
    for failure in (single.failures + load.failures)[:5]:
        console.print(f"[red]error:[/] {failure}")
    return 0 if all(passed for _, passed in goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
