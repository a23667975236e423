"""How Newsdesk grows: write rate, disk size, retrieval latency and memory at 10k, 100k, ... chunks.

    python -m eval.benchmarks.scale [--sizes 10000 100000] [--home DIR]

One home is grown step by step (the mhrag-lite corpus first, then synthetic chunks made by
``eval.benchmarks.synthetic_archive``: real sentences recombined under real outlets and dates,
vectors derived from their donors' so no model time is spent). At each size it prints the write
rate of the synthetic step (Chroma + keyword index; the model's own rate is measured by
``eval.benchmarks.ingest`` and bounds real ingest), the home's size on disk, the default and
hybrid retrievers' p50/p95 over the dev questions (after the question is embedded) with their
evidence recall@10, and the process's resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval.benchmarks.retrieval import run as run_retrieval
from eval.benchmarks.synthetic_archive import synthesise
from eval.sets import load_question_set

HERE = Path(__file__).resolve()
DEV = HERE.parents[3] / "shared" / "data" / "mhrag-lite" / "dev.jsonl"
CORPUS = HERE.parents[2] / "assistant" / "sample_data" / "mhrag-lite" / "corpus.jsonl"


def disk_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def rss_mib() -> float:
    """Current resident memory of this process (Linux /proc), in MiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str] | None = None) -> int:
    from assistant.app import Newsdesk
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="archive sizes in chunks")
    parser.add_argument("--home", type=Path, help="grow this home (default: a temporary folder)")
    parser.add_argument("--set", type=Path, default=DEV, help="question set for latency (default: mhrag-lite dev)")
    args = parser.parse_args(argv)
    console = Console(width=150)
    questions = load_question_set(args.set)

    with tempfile.TemporaryDirectory(prefix="newsdesk-scale-") as scratch:
        home = args.home or Path(scratch)
        nd = Newsdesk(load_settings(home=home))
        if nd.store.count() == 0:
            nd.ingest([CORPUS])
        table = Table(title=f"Growth on {os.cpu_count()} cores")
        for column in ("chunks", "write chunks/s", "disk MiB", "news p50 ms", "news p95 ms", "news R@10",
                       "hybrid p50 ms", "hybrid p95 ms", "RSS MiB", "peak RSS MiB"):
            table.add_column(column, justify="right")
        for size in sorted(args.sizes):
            started = time.perf_counter()
            added = synthesise(nd, size, progress=lambda line: None)
            elapsed = time.perf_counter() - started
            result = run_retrieval(nd, questions, names=("news", "hybrid"))
            news, hybrid = result["retrievers"]["news"], result["retrievers"]["hybrid"]
            table.add_row(
                f"{nd.store.count():,}", f"{added / elapsed:,.0f}" if added else "-", f"{disk_mib(home):,.0f}",
                f"{news['p50_ms']:.1f}", f"{news['p95_ms']:.1f}", f"{news['by_type']['all']['recall@10']:.3f}",
                f"{hybrid['p50_ms']:.1f}", f"{hybrid['p95_ms']:.1f}",
                f"{rss_mib():,.0f}", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f}",
            )
            console.print(f"{nd.store.count():,} chunks done", style="dim")
        console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
