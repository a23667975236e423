"""Load test: many chat sessions at once against a running `newsdesk chat`, loopback only.

    python -m eval.benchmarks.load [--sessions 20] [--seconds 60]

Starts `newsdesk chat` on 127.0.0.1 (a free port) over a home holding the bundled sample archive,
then runs ``--sessions`` concurrent sessions (one ``gradio_client.Client`` each, so each has its
own conversation) that ask questions through the page's ``/ask`` API until ``--seconds`` have
passed. The questions are the sample set's answerable ones that the server answered with a citation
when asked alone, so under load every answer must still come back cited. Prints requests, errors,
uncited answers, latency p50/p95, and the server's resident memory (RSS), sampled every second:
before the load, at the end of the warm-up (the first quarter of the run, while every worker thread
allocates for the first time), at the end, its peak, and its trend over the rest of the run in MiB per
minute (a least-squares slope), with a sparkline of the whole run. Bounded in time and count;
nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from rich.table import Table

SAMPLE = Path(str(files("assistant") / "sample_data"))
SETS = [Path(__file__).resolve().parents[1] / "sets" / "seed.jsonl"]
MAX_REQUESTS_PER_SESSION = 500
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


def main(argv: list[str] | None = None) -> int:
    import assistant  # noqa: F401  (offline environment first: gradio_client would look up the hub)
    from gradio_client import Client

    from eval.sets import load_question_set

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    console = Console(width=150)

    with tempfile.TemporaryDirectory(prefix="newsdesk-load-") as home:
        subprocess.run([sys.executable, "-m", "assistant", "ingest", str(SAMPLE / "seed"), "--home", home, "--json"],
                       check=True, capture_output=True)
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
            rss_start = rss_mib(server.pid)
            latencies: list[float] = []
            failures: list[str] = []
            uncited: list[str] = []
            lock = threading.Lock()
            deadline = time.time() + args.seconds

            def session(index: int) -> None:
                try:
                    client = Client(url, verbose=False)
                except Exception as exc:
                    with lock:
                        failures.append(f"session {index}: {type(exc).__name__}: {exc}")
                    return
                for n in range(MAX_REQUESTS_PER_SESSION):
                    if time.time() >= deadline:
                        return
                    question = questions[(index + n) % len(questions)]
                    try:
                        seconds, answer = ask(client, question)
                    except Exception as exc:
                        with lock:
                            failures.append(f"{type(exc).__name__}: {exc}")
                        continue
                    with lock:
                        latencies.append(seconds)
                        if "Sorry" in answer:
                            failures.append(answer[:120])
                        elif "nd-marker" not in answer:
                            uncited.append(question)

            samples: list[tuple[float, float]] = []
            load_running = threading.Event()
            load_running.set()

            def sample_memory() -> None:
                while load_running.is_set():
                    samples.append((time.time() - started, rss_mib(server.pid)))
                    time.sleep(1)

            threads = [threading.Thread(target=session, args=(i,)) for i in range(args.sessions)]
            started = time.time()
            sampler = threading.Thread(target=sample_memory)
            sampler.start()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.time() - started
            load_running.clear()
            sampler.join()
            rss_end = rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    ordered = sorted(latencies)
    table = Table(title=f"{args.sessions} concurrent chat sessions for {args.seconds:.0f} s ({os.cpu_count()} cores)")
    for column in ("answers", "errors", "uncited", "answers/s", "p50 s", "p95 s",
                   "RSS before MiB", "after warm-up", "end", "peak", "trend MiB/min"):
        table.add_column(column, justify="right")
    warmup_end = WARMUP_SHARE * wall
    steady = [(t, m) for t, m in samples if t >= warmup_end]
    rss_warm = steady[0][1] if steady else float("nan")
    peak = max((m for _, m in samples), default=float("nan"))
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")
    table.add_row(str(len(latencies)), str(len(failures)), str(len(uncited)), f"{len(latencies) / wall:.2f}",
                  f"{statistics.median(ordered) if ordered else float('nan'):.2f}", f"{p95:.2f}",
                  f"{rss_start:.0f}", f"{rss_warm:.0f}", f"{rss_end:.0f}", f"{peak:.0f}",
                  f"{slope_per_minute(steady):+.1f}")
    console.print(table)
    console.print(f"RSS over the run ({min(m for _, m in samples):.0f}-{peak:.0f} MiB, one sample a second, "
                  f"warm-up = first {WARMUP_SHARE:.0%}): {sparkline([m for _, m in samples])}")
    console.print(f"{len(questions)} distinct questions, each answered with a citation when asked alone")
    for failure in failures[:5]:
        console.print(f"[red]error:[/] {failure}")
    return 1 if failures or uncited else 0


if __name__ == "__main__":
    raise SystemExit(main())
