"""Grow a home into a large synthetic archive for retrieval latency benchmarks (nothing committed).

The real corpus is ingested first (so its questions still have answers), then synthetic one-chunk
articles fill the archive up to ``--chunks``. Each synthetic chunk is three sentences drawn from
different real articles, under a real outlet and a date in the real span, so BM25 sees a realistic
vocabulary and outlet/date filters a realistic selectivity. Its vector is the normalised mean of
its donors' vectors plus noise: near real content in embedding space, as distractors are, without
spending minutes of CPU embedding 100k texts. Both indexes are written through the same calls
ingest uses (``VectorStore.add``, ``KeywordIndex.upsert``).

    python -m eval.benchmarks.synthetic_archive --home /tmp/nd-100k --chunks 100000 \
        --corpus ../shared/data/mhrag-lite/corpus.jsonl
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ingest.types import Article, Chunk
from ingest.chunking import split_sentences

BATCH = 2000
NOISE = 0.02


def synthesise(nd, target: int, seed: int = 0, progress=print) -> int:
    """Add synthetic chunks to ``nd``'s archive until it holds ``target``; returns how many were added."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    existing = nd.store.count()
    wanted = target - existing
    if wanted <= 0:
        return 0
    real = sorted(nd.manifest.chunk_ids())  # donors: the ingested articles, never earlier synthetic ones
    embeddings, documents, metas = [], [], []
    for offset in range(0, len(real), 500):
        got = nd.store.collection.get(ids=real[offset:offset + 500], include=["embeddings", "metadatas", "documents"])
        embeddings += list(got["embeddings"])
        documents += got["documents"]
        metas += got["metadatas"]
    vectors = np.asarray(embeddings, dtype=np.float32)
    sentences: list[tuple[int, str]] = []
    for row, text in enumerate(documents):
        sentences += [(row, text[a:b]) for a, b in split_sentences(text) if b - a > 30]
    days = sorted(m["published_day"] for m in metas if m.get("published_day"))
    first = date(days[0] // 10000, days[0] // 100 % 100, days[0] % 100)
    span = max(1, (date(days[-1] // 10000, days[-1] // 100 % 100, days[-1] % 100) - first).days)
    added = 0
    while added < wanted:
        chunks, articles, batch_vectors = [], {}, []
        for _ in range(min(BATCH, wanted - added)):
            n = existing + added + len(chunks)
            picks = rng.sample(sentences, 3)
            text = " ".join(s for _, s in picks)
            donor = metas[picks[0][0]]
            day = first + timedelta(days=rng.randrange(span + 1))
            doc_id = f"synthetic://{seed}/{n}"
            articles[doc_id] = Article(
                doc_id=doc_id, title=" ".join(rng.sample(donor["title"].split(), max(1, len(donor["title"].split()) // 2))),
                text=text, source=metas[rng.randrange(len(metas))]["source"], published_at=f"{day.isoformat()}T12:00:00+00:00",
                url=doc_id,
            )
            chunks.append(Chunk(f"synthetic-{seed}-{n}", doc_id, text, 0, len(text)))
            mean = vectors[[row for row, _ in picks]].mean(axis=0) + noise.normal(0, NOISE, vectors.shape[1])
            batch_vectors.append((mean / np.linalg.norm(mean)).tolist())
        nd.store.add(chunks, batch_vectors, articles)
        nd.keywords.upsert(chunks, articles)
        added += len(chunks)
        progress(f"{existing + added} chunks")
    return added


def main(argv: list[str] | None = None) -> int:
    from assistant.app import Newsdesk
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="home folder to create or grow")
    parser.add_argument("--chunks", type=int, default=100_000, help="chunks the archive should hold")
    parser.add_argument("--corpus", type=Path, nargs="*", default=[], help="real articles to ingest first")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    nd = Newsdesk(load_settings(home=args.home))
    started = time.perf_counter()
    if args.corpus:
        report = nd.ingest(args.corpus)
        print(f"corpus: {report.summary_line()}", file=sys.stderr)
    added = synthesise(nd, args.chunks, args.seed, progress=lambda line: print(line, file=sys.stderr))
    print(f"{args.home}: {nd.store.count()} chunks in Chroma, {nd.keywords.count()} in the keyword index "
          f"({added} synthetic added in {time.perf_counter() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
