"""The one object that wires settings, store, embedder, retriever and answerer together.

The CLI, the chat UI and the eval runner all go through ``Newsdesk``; none of them builds parts
themselves, so a long-running process loads the model and opens the store once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import prompts
from assistant.answer import Answerer, AnswerError, History, choose_answerer
from assistant.embedding import MiniLMEmbedding
from assistant.retrieve import Retriever, make_retriever
from assistant.settings import Settings
from assistant.types import Answer, Filters, Passage
from ingest.keyword_index import KeywordIndex, reconcile
from ingest.manifest import Manifest
from ingest.pipeline import Ingestor, IngestReport, ProgressCallback
from ingest.store import VectorStore, store_target

FOLLOW_UP_WORDS = {"it", "its", "they", "their", "them", "he", "his", "she", "her", "that", "this", "those", "these", "there"}


class Newsdesk:
    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def embedder(self) -> MiniLMEmbedding:
        return MiniLMEmbedding(threads=self.settings.embed_threads, embed_batch_size=self.settings.embed_batch_size)

    @cached_property
    def store(self) -> VectorStore:
        self.manifest  # check the home belongs to this store before connecting to it
        return VectorStore(self.settings)

    @cached_property
    def manifest(self) -> Manifest:
        manifest = Manifest(self.settings.manifest_path)
        manifest.bind(store_target(self.settings))
        return manifest

    @cached_property
    def keywords(self) -> KeywordIndex:
        """The BM25 index beside Chroma, brought in step with it on open (cheap when it is)."""
        index = KeywordIndex(self.settings.keywords_path)
        reconcile(index, self.store)
        return index

    @cached_property
    def retriever(self) -> Retriever:
        return make_retriever(self.settings.retriever, self.store, self.keywords, self.embedder)

    @cached_property
    def answerer(self) -> Answerer:
        return choose_answerer(self.settings, self.embedder)

    def ingest(self, paths: list[Path], progress: ProgressCallback | None = None) -> IngestReport:
        return Ingestor(self.settings, self.store, self.manifest, self.embedder, self.keywords).run(paths, progress)

    def remove(self, doc_id: str) -> int:
        return Ingestor(self.settings, self.store, self.manifest, self.embedder, self.keywords).remove(doc_id)

    def default_filters(self) -> Filters:
        s = self.settings
        return Filters(
            tuple(s.source), s.since.isoformat() if s.since else None, s.until.isoformat() if s.until else None
        )

    def standalone_question(self, question: str, history: History) -> str:
        """A follow-up made self-contained before retrieval.

        With a language model, the ``condense_followup`` prompt rewrites it from the last turns; a
        rewrite that is empty, several lines, or far longer than question plus history is not used.
        Without one (or when the model fails), a short or pronoun-led follow-up gets the previous
        question prepended.
        """
        if not history:
            return question
        complete = getattr(self.answerer, "complete", None)
        if complete is not None:
            turns = list(history)[-4:]
            transcript = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in turns)
            prompt = prompts.load("condense_followup").format(history=transcript, question=question)
            try:
                rewritten = complete(prompt).strip().strip('"').strip()
            except AnswerError:
                rewritten = ""
            longest = len(question) + sum(len(q) for q, _ in turns) + 40
            if rewritten and "\n" not in rewritten and len(rewritten) <= longest:
                return rewritten
        words = {w.strip("?.,!").lower() for w in question.split()}
        if len(words) <= 8 or words & FOLLOW_UP_WORDS:
            return f"{history[-1][0]} {question}"
        return question

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        return self.retriever.retrieve(question, k or self.settings.top_k, filters or self.default_filters())

    def ask(self, question: str, history: History = (), k: int | None = None, filters: Filters | None = None) -> Answer:
        result: Answer | None = None
        for item in self.ask_stream(question, history, k, filters):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result

    def ask_stream(
        self, question: str, history: History = (), k: int | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Yields answer text as it is produced, then the final ``Answer`` with timings."""
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        started = time.perf_counter()
        query = self.standalone_question(question, history)
        passages = self.retrieve(query, k, filters)
        retrieved = time.perf_counter()
        for item in self.answerer.stream(query, passages, history):  # the answerer sees no history
            if isinstance(item, Answer):
                item.timings = {
                    "retrieve_s": retrieved - started,
                    "answer_s": time.perf_counter() - retrieved,
                    "total_s": time.perf_counter() - started,
                }
            yield item
