"""Load test: many chat sessions at once against a running `newsdesk chat`, loopback only.

    python -m eval.benchmarks.load [--sessions 20] [--seconds 60]

Starts `newsdesk chat` on 127.0.0.1 (a free port) over a home holding the bundled sample archive,
then runs ``--sessions`` concurrent sessions (one ``gradio_client.Client`` each, so each has its
own conversation) that ask questions through the page's ``/ask`` API until ``--seconds`` have
passed. The questions are the sample set's answerable ones that the server answered with a citation
when asked alone, so under load every answer must still come back cited. Prints requests, errors,
uncited answers, latency p50/p95 and the server's resident memory at the start and the end.
Bounded in time and count; nothing leaves the machine.
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
    chat, _cards, _ = client.predict(question, [], [], None, None, api_name="/ask")
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

            threads = [threading.Thread(target=session, args=(i,)) for i in range(args.sessions)]
            started = time.time()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.time() - started
            rss_end = rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    ordered = sorted(latencies)
    table = Table(title=f"{args.sessions} concurrent chat sessions for {args.seconds:.0f} s ({os.cpu_count()} cores)")
    for column in ("answers", "errors", "uncited", "answers/s", "p50 s", "p95 s", "RSS start MiB", "RSS end MiB"):
        table.add_column(column, justify="right")
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")
    table.add_row(str(len(latencies)), str(len(failures)), str(len(uncited)), f"{len(latencies) / wall:.2f}",
                  f"{statistics.median(ordered) if ordered else float('nan'):.2f}", f"{p95:.2f}",
                  f"{rss_start:.0f}", f"{rss_end:.0f}")
    console.print(table)
    console.print(f"{len(questions)} distinct questions, each answered with a citation when asked alone")
    for failure in failures[:5]:
        console.print(f"[red]error:[/] {failure}")
    return 1 if failures or uncited else 0


if __name__ == "__main__":
    raise SystemExit(main())
