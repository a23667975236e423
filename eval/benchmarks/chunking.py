"""Chunking time against text size: it must grow linearly.

    python -m eval.benchmarks.chunking [--sizes 1 4 16]

Builds texts of each size (MB) from the bundled sample article repeated as one paragraph (no line
breaks: the case that was slow, as in a scraped page or a log-like dump), splits them into
sentences and chunks with the embedding model's tokenizer counting, and prints seconds and seconds
per MB for each size, with each size's per-MB time as a ratio of the smallest size's. A ratio near
1 is linear; sentence splitting once copied the rest of the text at every sentence end, and a
19 MB file took over 12 minutes.
"""

from __future__ import annotations

import argparse
import time
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ingest.embedding import load_tokenizer
from ingest.chunking import chunk_spans, split_sentences

SAMPLE = Path(str(files("assistant") / "sample_data" / "seed" / "nato-ukraine-training-2024-06-14.txt"))
BUDGET, OVERLAP = 200, 30


def count_tokens(texts: list[str]) -> list[int]:
    return [len(e.ids) for e in load_tokenizer(truncate=False).encode_batch(texts, add_special_tokens=False)]


def text_of(megabytes: float) -> str:
    base = " ".join(SAMPLE.read_text(encoding="utf-8").split()) + " "
    return base * max(1, int(megabytes * 1_000_000 / len(base)))


def measure(megabytes: float) -> dict[str, float]:
    text = text_of(megabytes)
    started = time.perf_counter()
    sentences = split_sentences(text)
    split_s = time.perf_counter() - started
    chunks = chunk_spans(text, BUDGET, OVERLAP, count_tokens)
    total_s = time.perf_counter() - started
    size = len(text) / 1_000_000
    return {"mb": size, "sentences": len(sentences), "chunks": len(chunks), "split_s": split_s, "total_s": total_s,
            "s_per_mb": total_s / size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 16], help="text sizes in MB (default: 1 4 16)")
    args = parser.parse_args()
    rows = [measure(size) for size in sorted(args.sizes)]
    table = Table(title="Chunking time by text size (ratio: s/MB against the smallest size)")
    for column in ("MB", "sentences", "chunks", "split s", "total s", "s/MB", "ratio"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(f"{row['mb']:.1f}", str(row["sentences"]), str(row["chunks"]), f"{row['split_s']:.2f}",
                      f"{row['total_s']:.2f}", f"{row['s_per_mb']:.2f}", f"{row['s_per_mb'] / rows[0]['s_per_mb']:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
