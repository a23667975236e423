"""Ingest speed, re-ingest, memory and `ask` start-up, measured in one run on this machine.

    python -m eval.benchmarks.ingest [--copies 3] [--sweep]

    python -m eval.benchmarks.ingest --articles ARTICLES.jsonl [--limit 100] [--workers 1 2] [--raw-batches 8 16 32]

Prints chunks/s for (1) the ONNX model alone on the chunk texts, in file order, batches of 32
(the ceiling: no loading, chunking or storage), (2) naive llama-index
(``VectorStoreIndex.from_documents`` with the same embedding model and a Chroma store, default
settings) and (3) ``Newsdesk.ingest``, with the ratios 3/1 and 3/2; then re-ingest of the
unchanged corpus, peak RSS of a ``newsdesk ingest`` process, and ``ask`` wall time cold (new
process) and warm (same process), split by stage. The corpus is the bundled mhrag-lite sample,
repeated ``--copies`` times under distinct URLs so the run is long enough to time.

With ``--articles`` it measures real articles instead (the first ``--limit`` of a JSONL, e.g. the
RealTime QA dump; they are copied into a temporary folder only): an ingest with a stand-in embedder
(``eval.benchmarks.stand_in``) first, which yields the exact chunk texts ingest embeds (near-duplicates
folded, headers added) and the time of everything but the model; then, for each ``--workers`` value,
the model alone on those texts (one call, length-sorted across the whole set, each ``--raw-batches``
size) and ``Newsdesk.ingest`` of the articles into a fresh home, with the ratios ingest / model alone
at the same workers and ingest / the fastest model-alone run of all.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from assistant.app import Newsdesk
from ingest.embedding import DIMENSIONS, MiniLMEmbedding, load_session, load_tokenizer, mean_pool_normalise
from assistant.settings import load_settings
from eval.benchmarks.stand_in import HashEmbedding
from ingest.chunking import chunk_article
from ingest.loaders import load_file
from ingest.pipeline import Ingestor, IngestReport, count_tokens, embedding_text

console = Console(width=150)
CORPUS = Path(str(files("assistant") / "sample_data" / "mhrag-lite" / "corpus.jsonl"))


def make_corpus(folder: Path, copies: int) -> Path:
    """The sample corpus ``copies`` times, each copy under its own URLs (so nothing dedups)."""
    records = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    path = folder / "corpus.jsonl"
    with path.open("w") as out:
        for copy in range(copies):
            for record in records:
                out.write(json.dumps({**record, "url": f"{record['url']}#copy{copy}"}) + "\n")
    return path


def raw_model(texts: list[str], batch: int, threads: int) -> float:
    """Seconds for tokenizer + ONNX session on the texts in file order (no length sorting)."""
    tokenizer, session = load_tokenizer(), load_session(threads)
    started = time.perf_counter()
    for begin in range(0, len(texts), batch):
        encodings = tokenizer.encode_batch(texts[begin : begin + batch])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        hidden = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        mean_pool_normalise(hidden, mask)
    return time.perf_counter() - started


def chunk_texts(corpus: Path) -> list[str]:
    settings = load_settings()
    texts = []
    for article in load_file(corpus, corpus.parent).articles:
        header_budget = settings.chunk_tokens - count_tokens([embedding_text(article, chunk_article(article, 256, 0, count_tokens)[0])])[0]
        for chunk in chunk_article(article, max(64, header_budget), settings.chunk_overlap_tokens, count_tokens):
            texts.append(embedding_text(article, chunk))
    return texts


def naive_llama_index(corpus: Path, home: Path) -> tuple[float, int]:
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    documents = [Document(text=a.text, metadata=a.metadata()) for a in load_file(corpus, corpus.parent).articles]
    client = chromadb.PersistentClient(path=str(home), settings=chromadb.config.Settings(anonymized_telemetry=False))
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("naive", embedding_function=None))
    embed = MiniLMEmbedding(threads=2).as_llama_index()
    started = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        documents, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed
    )
    elapsed = time.perf_counter() - started
    return elapsed, len(index.index_struct.nodes_dict) or store._collection.count()


def first_articles(source: Path, limit: int | None, folder: Path) -> Path:
    """The first ``limit`` lines of a JSONL of articles, streamed into ``folder``."""
    path = folder / "articles.jsonl"
    with source.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as out:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                break
            out.write(line)
    return path


def stand_in_ingest(corpus: Path, home: Path) -> tuple[float, HashEmbedding, IngestReport]:
    """``Newsdesk.ingest``'s pipeline with the stand-in embedder: seconds, the embedder (its texts), report."""
    nd = Newsdesk(load_settings(home=home))
    embedder = HashEmbedding(record=True)
    nd.store.bind_model(embedder.model_name, DIMENSIONS)
    ingestor = Ingestor(nd.settings, nd.store, nd.manifest, embedder, nd.keywords)
    started = time.perf_counter()
    report = ingestor.run([corpus])
    return time.perf_counter() - started, embedder, report


def timed(job) -> tuple[float, float, object]:
    """Wall seconds, this process's CPU seconds, and the job's result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = job()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def real_articles(source: Path, limit: int | None, workers_list: list[int], batches: list[int], scratch: Path) -> None:
    """Model alone vs ``Newsdesk.ingest`` on the same chunks of real articles (see the module's doc)."""
    corpus = first_articles(source, limit, scratch)
    dry_s, recorder, dry = stand_in_ingest(corpus, scratch / "stand-in")
    texts = recorder.texts
    lengths = [len(e.ids) for e in load_tokenizer().encode_batch(texts)]
    console.print(f"{dry.documents} articles from {source.name} -> {len(texts)} chunks (mean {np.mean(lengths):.0f} tokens, "
                  f"{sum(n >= 250 for n in lengths)} of 250+), {dry.folded} near-duplicates folded")
    console.print(f"ingest with the stand-in embedder (everything but the model): {dry_s:.1f}s = "
                  f"{len(texts) / dry_s:.0f} chunks/s")
    settings = load_settings()
    table = Table(title=f"Model alone vs Newsdesk.ingest, same {len(texts)} chunks, {os.cpu_count()} cores "
                        f"(embed_threads {settings.embed_threads}; each worker runs threads // workers)")
    for column in ("run", "workers", "batch", "seconds", "CPU s", "chunks/s", "load avg"):
        table.add_column(column, justify="left" if column == "run" else "right")
    raw: dict[tuple[int, int], float] = {}
    ingested: dict[int, float] = {}
    for workers in workers_list:
        for batch in batches:
            model = MiniLMEmbedding(threads=settings.embed_threads, embed_batch_size=batch, workers=workers)
            model.embed(texts[: 2 * batch * workers])  # loads the session outside the timing
            wall, cpu, _ = timed(lambda: model.embed(texts))
            raw[workers, batch] = len(texts) / wall
            table.add_row("model alone (one call, sorted)", str(workers), str(batch), f"{wall:.1f}", f"{cpu:.1f}",
                          f"{raw[workers, batch]:.1f}", load_average())
        nd = Newsdesk(load_settings(home=scratch / f"ingest-w{workers}", embed_workers=workers))
        nd.archive_embedder.embed(texts[: 2 * settings.embed_batch_size * workers])
        wall, cpu, report = timed(lambda: nd.ingest([corpus]))
        if report.chunks_added != len(texts):
            console.print(f"[red]ingest added {report.chunks_added} chunks, the stand-in run {len(texts)}[/]")
        ingested[workers] = report.chunks_added / wall
        table.add_row("Newsdesk.ingest", str(workers), str(settings.embed_batch_size), f"{wall:.1f}", f"{cpu:.1f}",
                      f"{ingested[workers]:.1f}", load_average())
    console.print(table)
    (best_workers, best_batch), best_raw = max(raw.items(), key=lambda item: item[1])
    for workers, rate in ingested.items():
        same = max(r for (w, _), r in raw.items() if w == workers)
        console.print(f"workers {workers}: ingest {rate:.1f} chunks/s = {rate / same:.2f}x the model alone at "
                      f"{workers} workers (its best batch), {rate / best_raw:.2f}x the fastest model-alone run")
    best = max(ingested.values())
    console.print(f"ratio best ingest / fastest model alone (workers {best_workers}, batch {best_batch}) = "
                  f"{best / best_raw:.2f} (target >= 0.85)")


RSS_PROBE = """
import resource, sys
sys.argv = ["newsdesk", "ingest", {corpus!r}, "--home", {home!r}, "--json"]
from assistant.cli import main
try:
    main()
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_rss_of_ingest(corpus: Path, home: Path) -> float:
    """Peak resident memory (MiB) of a separate `newsdesk ingest` process, as it reports itself."""
    proc = subprocess.run([sys.executable, "-c", RSS_PROBE.format(corpus=str(corpus), home=str(home))],
                          capture_output=True, text=True)
    return int(proc.stderr.strip().splitlines()[-1]) / 1024


ASK_PROBE = """
import time, json
t0 = time.perf_counter()
from assistant.app import Newsdesk
from assistant.settings import load_settings
t1 = time.perf_counter()
nd = Newsdesk(load_settings(home={home!r}, answerer="extractive"))
nd.embedder.embed(["warm up"]); nd.store.count(); nd.retriever
t2 = time.perf_counter()
q = "What did Apple say about its Google Search deal in court?"
p = nd.retrieve(q)
t3 = time.perf_counter()
nd.answerer.answer(q, p)
t4 = time.perf_counter()
p = nd.retrieve("Which company did Sam Bankman-Fried found?")
t5 = time.perf_counter()
nd.answerer.answer("Which company did Sam Bankman-Fried found?", p)
t6 = time.perf_counter()
import sys
print(json.dumps({{"import": t1 - t0, "load": t2 - t1, "retrieve": t3 - t2, "answer": t4 - t3,
                  "warm_retrieve": t5 - t4, "warm_answer": t6 - t5, "gradio_imported": "gradio" in sys.modules}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=3, help="Copies of the sample corpus (default 3).")
    parser.add_argument("--sweep", action="store_true", help="Also sweep ONNX batch size and thread count.")
    parser.add_argument("--articles", type=Path, help="Measure on the articles of this JSONL instead (see above).")
    parser.add_argument("--limit", type=int, default=100, help="With --articles: how many of its first articles (default 100).")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="With --articles: embed_workers values (default 1 2).")
    parser.add_argument("--raw-batches", type=int, nargs="+", default=[8, 16, 32],
                        help="With --articles: batch sizes for the model alone (default 8 16 32).")
    args = parser.parse_args()
    console.print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    if args.articles:
        with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as scratch_dir:
            real_articles(args.articles, args.limit, args.workers, args.raw_batches, Path(scratch_dir))
        return

    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        corpus = make_corpus(scratch, args.copies)
        texts = chunk_texts(corpus)
        load_session(2)

        if args.sweep:
            sweep = Table(title=f"ONNX model alone, {len(texts)} chunk texts: chunks/s")
            sweep.add_column("batch")
            for threads in (1, 2):
                sweep.add_column(f"{threads} thread(s)", justify="right")
            for batch in (8, 16, 32, 64, 128):
                sweep.add_row(str(batch), *(f"{len(texts) / raw_model(texts, batch, t):.1f}" for t in (1, 2)))
            console.print(sweep)
            ordered = Table(title="Newsdesk's embedder (length-sorted batches, 2 threads): chunks/s")
            for batch in (8, 16, 32, 64):
                ordered.add_column(f"batch {batch}", justify="right")
            rates = []
            for batch in (8, 16, 32, 64):
                started = time.perf_counter()
                MiniLMEmbedding(threads=2, embed_batch_size=batch).embed(texts)
                rates.append(f"{len(texts) / (time.perf_counter() - started):.1f}")
            ordered.add_row(*rates)
            console.print(ordered)

        raw_s = raw_model(texts, 32, 2)
        naive_s, naive_chunks = naive_llama_index(corpus, scratch / "naive")

        settings = load_settings(home=scratch / "home")
        nd = Newsdesk(settings)
        nd.embedder.embed(["warm up"])
        started = time.perf_counter()
        report = nd.ingest([corpus])
        ingest_s = time.perf_counter() - started
        started = time.perf_counter()
        again = nd.ingest([corpus])
        reingest_s = time.perf_counter() - started

        rates = {"raw": len(texts) / raw_s, "naive": naive_chunks / naive_s, "newsdesk": report.chunks_added / ingest_s}
        table = Table(title=f"Ingest throughput ({report.documents} articles)")
        for column in ("method", "chunks", "seconds", "chunks/s"):
            table.add_column(column, justify="right" if column != "method" else "left")
        table.add_row("1. ONNX model alone (ceiling)", str(len(texts)), f"{raw_s:.1f}", f"{rates['raw']:.1f}")
        table.add_row("2. naive llama-index from_documents", str(naive_chunks), f"{naive_s:.1f}", f"{rates['naive']:.1f}")
        table.add_row("3. newsdesk ingest", str(report.chunks_added), f"{ingest_s:.1f}", f"{rates['newsdesk']:.1f}")
        console.print(table)
        console.print(f"ratio 3/1 = {rates['newsdesk'] / rates['raw']:.2f} (target >= 0.85)   "
                      f"ratio 3/2 = {rates['newsdesk'] / rates['naive']:.2f} (target >= 2.0)")
        console.print(f"re-ingest unchanged: {reingest_s:.2f}s = {100 * reingest_s / ingest_s:.1f}% of the first ingest "
                      f"(target <= 2%), embeddings computed {again.embedded}, chunks added {again.chunks_added}")
        console.print(f"peak RSS of `newsdesk ingest` (fresh process, same corpus): "
                      f"{peak_rss_of_ingest(corpus, scratch / 'rss-home'):.0f} MiB")

        started = time.perf_counter()
        probe = subprocess.run([sys.executable, "-c", ASK_PROBE.format(home=str(settings.home))],
                               check=True, capture_output=True, text=True)
        cold_total = time.perf_counter() - started
        phases = json.loads(probe.stdout.strip().splitlines()[-1])
        ask = Table(title="ask wall time (s)")
        for column in ("", "import", "model+store load", "retrieve", "answer", "total"):
            ask.add_column(column, justify="right")
        cold = [phases["import"], phases["load"], phases["retrieve"], phases["answer"]]
        ask.add_row("cold (new process)", *(f"{v:.3f}" for v in cold), f"{cold_total:.3f}")
        warm = [phases["warm_retrieve"], phases["warm_answer"]]
        ask.add_row("warm (same process)", "-", "-", *(f"{v:.3f}" for v in warm), f"{sum(warm):.3f}")
        console.print(ask)
        console.print(f"gradio imported by the ask path: {phases['gradio_imported']}")


if __name__ == "__main__":
    main()
