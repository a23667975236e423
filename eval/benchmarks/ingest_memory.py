"""Peak memory of an ingest against the number of articles: is it flat?

    python -m eval.benchmarks.ingest_memory --articles ARTICLES.jsonl --sizes 1000 5000 20000 \
        [--embedder stand-in|model] [--store embedded|server]

For each size, the first N articles of the JSONL (streamed into a temporary folder; never kept) are
ingested into a fresh home by a separate process, which then reports its peak resident memory
(``ru_maxrss``). ``--embedder model`` is ``Newsdesk.ingest`` with the bundled MiniLM, exactly as
``newsdesk ingest`` runs; ``--embedder stand-in`` (the default) swaps in the hash embedder of
``eval.benchmarks.stand_in`` and keeps the whole rest of the pipeline (reading, chunking, token
counting, near-duplicate signing, Chroma, keyword index, manifest), so sizes that the model would
take hours to embed on two cores can be measured; the model's own memory (one ONNX session, one
batch at a time) does not grow with the archive, which the model rows at the sizes it can afford
show. Prints size -> peak RSS and the ratio largest / smallest.

What grows with the archive is its vector index: embedded Chroma keeps the HNSW graph of every
stored vector in the ingest's own memory (384 float32 = 1.5 KiB a chunk, plus links). ``--store
server`` ingests into a fresh ``chroma run`` on 127.0.0.1 instead (the scale path), and reports the
ingest process's peak and the Chroma server's peak (``VmHWM``) apart, which shows where the growth
lives.
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

from eval.chroma_server import ChromaServer

PROBE = """
import json, resource, sys, time
from pathlib import Path
from assistant.app import Newsdesk
from assistant.settings import load_settings
corpus, home, embedder, chroma_url = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4] or None
nd = Newsdesk(load_settings(home=home, chroma_url=chroma_url))
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
    parser.add_argument("--store", choices=("embedded", "server"), default="embedded",
                        help="embedded: Chroma in the ingest process (default); server: a fresh `chroma run` per size")
    args = parser.parse_args(argv)
    console = Console(width=150)
    label = "MiniLM (the real model)" if args.embedder == "model" else "STAND-IN hash embedder (no model)"
    where = "Chroma embedded in it" if args.store == "embedded" else "Chroma in a separate `chroma run`"
    table = Table(title=f"Peak RSS of one ingest process by archive size: {label}, {where}, {os.cpu_count()} cores")
    columns = ["articles", "chunks", "folded", "seconds", "chunks/s", "peak RSS MiB"]
    columns += ["Chroma server peak MiB"] if args.store == "server" else []
    for column in columns + ["load avg"]:
        table.add_column(column, justify="right")
    peaks, server_peaks = [], []
    with tempfile.TemporaryDirectory(prefix="newsdesk-memory-") as scratch:
        for size in sorted(args.sizes):
            corpus = Path(scratch) / f"first-{size}.jsonl"
            count = first_lines(args.articles, size, corpus)
            server = ChromaServer(Path(scratch) / f"chroma-{size}") if args.store == "server" else None
            if server:
                server.start()
            try:
                proc = subprocess.run([sys.executable, "-c", PROBE, str(corpus), str(Path(scratch) / f"home-{size}"),
                                       args.embedder, server.url if server else ""], capture_output=True, text=True)
                if server:
                    server_peaks.append(server.peak_rss_mib())
            finally:
                if server:
                    server.stop()
            if proc.returncode != 0:
                console.print(f"[red]{size} articles: the ingest process failed[/]\n{proc.stderr[-2000:]}")
                return 1
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            peak = result["peak_rss_kib"] / 1024
            peaks.append(peak)
            table.add_row(f"{count:,}", f"{result['chunks']:,}", str(result["folded"]), f"{result['seconds']:.0f}",
                          f"{result['chunks'] / result['seconds']:.1f}", f"{peak:,.0f}",
                          *([f"{server_peaks[-1]:,.0f}"] if server else []), Path("/proc/loadavg").read_text().split()[0])
            console.print(f"{count:,} articles done at {time.strftime('%H:%M:%S')}", style="dim")
            corpus.unlink()
    console.print(table)
    console.print(f"ingest process peak RSS, largest / smallest size: {peaks[-1] / peaks[0]:.2f}")
    if server_peaks:
        console.print(f"Chroma server peak RSS, largest / smallest size: {server_peaks[-1] / server_peaks[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
