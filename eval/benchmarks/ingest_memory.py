"""Peak memory of an ingest against the number of articles: is it flat?

    python -m eval.benchmarks.ingest_memory --articles ARTICLES.jsonl --sizes 1000 5000 20000 [--embedder stand-in|model]

For each size, the first N articles of the JSONL (streamed into a temporary folder; never kept) are
ingested into a fresh home by a separate process, which then reports its peak resident memory
(``ru_maxrss``). ``--embedder model`` is ``Newsdesk.ingest`` with the bundled MiniLM, exactly as
``newsdesk ingest`` runs; ``--embedder stand-in`` (the default) swaps in the hash embedder of
``eval.benchmarks.stand_in`` and keeps the whole rest of the pipeline (reading, chunking, token
counting, near-duplicate signing, Chroma, keyword index, manifest), so sizes that the model would
take hours to embed on two cores can be measured; the model's own memory (one ONNX session, one
batch at a time) does not grow with the archive, which the model rows at the sizes it can afford
show. Prints size -> peak RSS and the ratio largest / smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

PROBE = """
import json, resource, sys, time
from pathlib import Path
from assistant.app import Newsdesk
from assistant.settings import load_settings
corpus, home, embedder = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
nd = Newsdesk(load_settings(home=home))
if embedder == "model":
    ingest = nd.ingest
else:
    from eval.benchmarks.stand_in import HashEmbedding
    from ingest.embedding import DIMENSIONS
    from ingest.pipeline import Ingestor
    stand_in = HashEmbedding()
    nd.store.bind_model(stand_in.model_name, DIMENSIONS)
    ingest = Ingestor(nd.settings, nd.store, nd.manifest, stand_in, nd.keywords).run
started = time.perf_counter()
report = ingest([corpus])
print(json.dumps({"seconds": time.perf_counter() - started, "documents": report.documents,
                  "chunks": report.chunks_added, "folded": report.folded,
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def first_lines(source: Path, count: int, path: Path) -> int:
    """Copy the first ``count`` lines of ``source`` to ``path``; returns how many there were."""
    copied = 0
    with source.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as out:
        for copied, line in enumerate(lines, start=1):
            out.write(line)
            if copied == count:
                break
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, required=True, help="a JSONL of articles (the first N are used)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000], help="numbers of articles")
    parser.add_argument("--embedder", choices=("stand-in", "model"), default="stand-in",
                        help="stand-in: hash vectors, no model time (default); model: the bundled MiniLM")
    args = parser.parse_args(argv)
    console = Console(width=150)
    label = "MiniLM (the real model)" if args.embedder == "model" else "STAND-IN hash embedder (no model)"
    table = Table(title=f"Peak RSS of one ingest process by archive size: {label}, {os.cpu_count()} cores")
    for column in ("articles", "chunks", "folded", "seconds", "chunks/s", "peak RSS MiB", "load avg"):
        table.add_column(column, justify="right")
    peaks = []
    with tempfile.TemporaryDirectory(prefix="newsdesk-memory-") as scratch:
        for size in sorted(args.sizes):
            corpus = Path(scratch) / f"first-{size}.jsonl"
            count = first_lines(args.articles, size, corpus)
            proc = subprocess.run([sys.executable, "-c", PROBE, str(corpus), str(Path(scratch) / f"home-{size}"), args.embedder],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                console.print(f"[red]{size} articles: the ingest process failed[/]\n{proc.stderr[-2000:]}")
                return 1
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            peak = result["peak_rss_kib"] / 1024
            peaks.append(peak)
            table.add_row(f"{count:,}", f"{result['chunks']:,}", str(result["folded"]), f"{result['seconds']:.0f}",
                          f"{result['chunks'] / result['seconds']:.1f}", f"{peak:,.0f}",
                          Path("/proc/loadavg").read_text().split()[0])
            console.print(f"{count:,} articles done at {time.strftime('%H:%M:%S')}", style="dim")
            corpus.unlink()
    console.print(table)
    console.print(f"peak RSS largest / smallest size: {peaks[-1] / peaks[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
