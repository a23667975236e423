"""The one object that wires settings, store, embedder, retriever and answerer together.

The CLI, the chat UI and the eval runner all go through ``Newsdesk``; none of them builds parts
themselves, so a long-running process loads the model and opens the store once.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import prompts
from assistant.answerers import Answerer, AnswerError, History
from assistant.answerers.choose import choose_answerer
from assistant.answerers.generative import is_refusal_signal, visible_reply
from ingest.embedding import MiniLMEmbedding
from ingest.embedding_server import Embedder, archive_embedder, known_dimensions
from assistant.query import resolve_sources, without_controls
from assistant.retrieve import Retriever, make_retriever
from assistant.settings import Settings
from assistant.short_answer import name_phrases, unmentioned_names
from assistant.timeframe import passages_for
from ingest.types import Filters, Passage
from assistant.types import Answer
from ingest.keyword_index import KeywordIndex, reconcile
from ingest import consistency
from ingest.consistency import ConsistencyReport
from ingest.manifest import Copy, Manifest
from ingest.pipeline import Ingestor, IngestReport, ProgressCallback, ingest_lock
from ingest.store import StoreError, VectorStore, store_target
from ingest.web import read_feed_list

log = logging.getLogger("newsdesk")

# words that point back to the conversation ("that" is left out: in questions it is mostly "said that")
FOLLOW_UP_WORDS = {"it", "its", "they", "their", "them", "he", "his", "him", "she", "her", "this", "those", "these", "there"}
_EXISTENTIAL = {"is", "are", "was", "were"}  # "is there ...?" points at nothing
ELLIPTIC_OPENERS = (("and",), ("but",), ("or",), ("so",), ("also",), ("what", "about"), ("how", "about"))


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the conversation to be understood.

    It does when it opens elliptically ("and why?", "what about Poland?"), uses a pronoun before
    naming anything ("when did his trial start?"; in "Did Google say its deal was legal?" the
    pronoun points at Google), or is short and names nothing ("what was decided?"). "Who is Sam
    Bankman-Fried?" is a new question, however short.
    """
    raw = [w.strip("?.,!;:\"'“”‘’()") for w in question.split()]
    words = [w.lower() for w in raw]
    if any(tuple(words[: len(opener)]) == opener for opener in ELLIPTIC_OPENERS):
        return True
    names = name_phrases(question)
    firsts = {name.split()[0] for name in names}
    first_name = next((i for i, w in enumerate(raw) if w in firsts), len(raw))
    pronouns = (i for i, w in enumerate(words) if w in FOLLOW_UP_WORDS)
    pronoun = next((i for i in pronouns if not (words[i] == "there" and i and words[i - 1] in _EXISTENTIAL)), None)
    if pronoun is not None:
        return pronoun < first_name
    return len(words) <= 8 and not names


def with_topic(question: str, history: History) -> str:
    """A follow-up with its topic after it: the latest earlier question that was no follow-up itself.

    Used when no language model condenses follow-ups. The question stays first, so what it asks
    for (a name, a Yes/No) is what is answered; the topic (the first question when every one was a
    follow-up) steers retrieval, and a chain of follow-ups keeps the same topic instead of growing.
    """
    if not history or not is_follow_up(question):
        return question
    topic = next((asked for asked, _ in reversed(history) if not is_follow_up(asked)), history[0][0])
    return f"{question} {topic}"


MAX_QUESTION_CHARS = 2000


def clean_question(question: str) -> str:
    """The question with escape sequences, control and bidi characters removed (``without_controls``);
    a clear error when it is unusable."""
    question = " ".join(without_controls(question).split())
    if not question:
        raise ValueError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not any(ch.isalnum() for ch in question):
        raise ValueError("the question has no words in it")
    return question


T = TypeVar("T")


@contextmanager
def archive_errors(path: Path):
    """SQLite and file-system failures on one of the home's files, as a StoreError naming the file."""
    try:
        yield
    except sqlite3.DatabaseError as exc:  # "file is not a database", "attempt to write a readonly database"
        raise StoreError(f"{path}: cannot use this archive file: {exc}{read_only_hint(path.parent)}") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot open: {exc.strerror or exc}{read_only_hint(path.parent)}") from None


def read_only_hint(folder: Path) -> str:
    """Why a home on a read-only mount fails even to answer, or "" when the folder is writable.

    SQLite's write-ahead log needs its -shm/-wal files beside the database for reading too, so a
    copied or mounted read-only archive gave only "unable to open database file".
    """
    if not folder.is_dir() or os.access(folder, os.W_OK):
        return ""
    return (f" ({folder} is read-only, and Newsdesk writes beside its archive files even to read them: "
            "copy the folder somewhere writable and point NEWSDESK_HOME at the copy)")


def open_in_home(home: Path, path: Path, opener: Callable[[Path], T]) -> T:
    if home.exists() and not home.is_dir():
        raise StoreError(f"{home}: the archive's home must be a folder, and this is a file")
    with archive_errors(path):
        return opener(path)


_QUESTION_LABEL = re.compile(r"^\W*(?:(?:standalone|rewritten|reformulated|new)\s+)?question\s*:\s*", re.I)


def condensed_question(reply: str) -> str:
    """A model's condensed follow-up as the question itself: no reasoning block, no "Standalone
    question:" label, no quotes around it."""
    return _QUESTION_LABEL.sub("", visible_reply(reply)).strip().strip('"“”').strip()


def unmentioned_note(answer: Answer) -> str:
    """The caveat for an answer whose passages never mention a name the question gives ("" if none)."""
    if not answer.unmentioned:
        return ""
    *first, last = answer.unmentioned
    names = f"{', '.join(first)} or {last}" if first else last
    return prompts.load("unmentioned").format(names=names)


@dataclass(frozen=True)
class Stage:
    """A step of answering, for a face that shows progress (``ask_stream(..., stages=True)``):
    "searching" the archive, "reading" the ``articles`` found, "checking" the answer as it is written."""

    name: str
    articles: int = 0


class Newsdesk:
    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def embedder(self) -> MiniLMEmbedding:
        """The bundled MiniLM: ranks and verifies answer sentences (its scores set the thresholds)."""
        return MiniLMEmbedding(threads=self.settings.embed_threads, embed_batch_size=self.settings.embed_batch_size,
                               workers=self.settings.embed_workers, batch_tokens=self.settings.embed_batch_tokens)

    @cached_property
    def archive_embedder(self) -> Embedder:
        """The model whose vectors the collection holds: MiniLM, or an embedding server's
        (``embed_base_url``); refused when the collection was built with another."""
        embedder = archive_embedder(self.settings, self.embedder)
        self.store.bind_model(embedder.model_name, known_dimensions(embedder))
        return embedder

    @cached_property
    def store(self) -> VectorStore:
        self.manifest  # check the home belongs to this store before connecting to it
        try:
            return VectorStore(self.settings, self.manifest.home_id(), self.manifest.has_documents())
        except StoreError:
            if self.settings.chroma_url is None and not self.manifest.has_documents():
                # not "another home's collection": this home's own Chroma folder, its manifest lost
                raise StoreError(
                    f"{self.settings.manifest_path} lists no documents while {self.settings.chroma_path} holds chunks: "
                    "the manifest was lost or replaced; restore it from a backup, or move the home aside and ingest again"
                ) from None
            raise

    @cached_property
    def manifest(self) -> Manifest:
        manifest = open_in_home(self.settings.home, self.settings.manifest_path, Manifest)
        with archive_errors(self.settings.manifest_path):
            manifest.bind(store_target(self.settings))
        return manifest

    @cached_property
    def keywords(self) -> KeywordIndex:
        """The BM25 index beside Chroma, brought in step with it on open (cheap when it is).

        Not while another process ingests: its Chroma and keyword writes run ahead of its manifest,
        and reconciling then would delete the keyword rows it has just written (and hold the write
        lock it needs). That ingest leaves the stores in step itself.
        """
        index = open_in_home(self.settings.home, self.settings.keywords_path, KeywordIndex)
        with ingest_lock(self.settings.home, wait=False) as free, archive_errors(self.settings.keywords_path):
            if free:
                reconcile(index, self.store, lambda: self.manifest.chunk_ids().keys())
        return index

    @cached_property
    def retriever(self) -> Retriever:
        stored = self.store.count()
        if stored == 0 and self.manifest.has_documents():
            # e.g. a Chroma server restarted on an empty folder: answering would refuse for a wrong reason
            raise StoreError(f"{self.store.where} holds none of this archive's chunks; `newsdesk status --repair` "
                             "rebuilds them from the stored text")
        listed = self.manifest.chunk_count()
        if stored < listed:
            log.warning("%s holds %d of the archive's %d chunks, so answers may miss articles; "
                        "`newsdesk status --repair` rebuilds the rest", self.store.where, stored, listed)
        return make_retriever(self.settings.retriever, self.store, self.keywords, self.archive_embedder)

    @cached_property
    def answerer(self) -> Answerer:
        return choose_answerer(self.settings, self.embedder)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.settings, self.store, self.manifest, self.archive_embedder, self.keywords)

    def ingest(
        self, paths: list[Path], progress: ProgressCallback | None = None, prune: bool = False,
        urls: Sequence[str] = (), follow: bool = False, field_map: Mapping[str, str] | None = None,
    ) -> IngestReport:
        return self.ingestor.run(paths, progress, prune, urls, follow, field_map)

    def sync(self, feed_list: Path, progress: ProgressCallback | None = None, follow: bool = False) -> IngestReport:
        """Read again each feed a list names (one URL a line) and add what is new (``newsdesk sync``)."""
        urls, bad_lines = read_feed_list(feed_list)
        report = self.ingestor.run([], progress, urls=urls, follow=follow)
        report.failed[:0] = bad_lines
        return report

    def also_published(self, doc_ids: Iterable[str]) -> dict[str, tuple[Copy, ...]]:
        """Where else each story was published: the near-duplicates folded into it (``ingest.duplicates``)."""
        return self.manifest.copies(list(dict.fromkeys(doc_ids)))

    def remove(self, doc_id: str) -> int:
        return self.ingestor.remove(doc_id)

    def documents_from(self, path: Path) -> list[str]:
        """Ids of the documents ingested from a file, or from any file under a folder."""
        return [doc_id for doc_id, _ in self.manifest.documents_from(path)]

    def check(self) -> ConsistencyReport:
        return consistency.check(self.manifest, self.store, self.keywords)

    def repair(self) -> list[str]:
        """Fix what ``check`` finds; returns what was done, one line per action."""
        return consistency.repair(self.check(), self.ingestor)

    def default_filters(self) -> Filters:
        """The settings' filters, their outlets resolved against the archive's (``resolve_sources``)."""
        s = self.settings
        sources = resolve_sources(s.source, self.keywords.stats().sources) if s.source else ()
        return Filters(sources, s.since.isoformat() if s.since else None, s.until.isoformat() if s.until else None)

    def standalone_question(self, question: str, history: History) -> str:
        """A follow-up made self-contained before retrieval.

        With a language model, the ``condense_followup`` prompt rewrites it from the last turns; a
        rewrite that is empty, several lines, far longer than question plus history, or the model's
        refusal token is not used.
        Without one (or when the model fails), a follow-up gets the conversation's topic question
        after it (``with_topic``).
        """
        if not history:
            return question
        complete = getattr(self.answerer, "complete", None)
        if complete is not None:
            turns = list(history)[-4:]
            transcript = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in turns)
            prompt = prompts.load("condense_followup").format(history=transcript, question=question)
            try:
                rewritten = condensed_question(complete(prompt))
            except AnswerError:
                rewritten = ""
            longest = len(question) + sum(len(q) for q, _ in turns) + 40
            if rewritten and "\n" not in rewritten and len(rewritten) <= longest and not is_refusal_signal(rewritten):
                return rewritten
        return with_topic(question, history)

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None,
                 as_of: date | None = None) -> list[Passage]:
        """The passages that answer the question; with ``as_of``, as on that day (``assistant.timeframe``)."""
        return self.retriever.retrieve(question, k or self.settings.top_k, filters or self.default_filters(), as_of)

    def ask(self, question: str, history: History = (), k: int | None = None, filters: Filters | None = None,
            as_of: date | None = None) -> Answer:
        """The answer; with ``as_of``, as on that day: "this week" is that day's week, and articles
        published near it are preferred, later ones left out."""
        result: Answer | None = None
        for item in self.ask_stream(question, history, k, filters, as_of=as_of):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result

    def ask_stream(
        self, question: str, history: History = (), k: int | None = None, filters: Filters | None = None,
        stages: bool = False, as_of: date | None = None,
    ) -> Iterator[str | Answer | Stage]:
        """Yields answer text as it is produced, then the final ``Answer`` with timings; with
        ``stages``, a ``Stage`` too as each step begins (searching, reading, checking)."""
        question = clean_question(question)
        started = time.perf_counter()
        if stages:
            yield Stage("searching")
        query = self.standalone_question(question, history)
        filters = filters or self.default_filters()
        passages = passages_for(query, self.retrieve(query, k, filters, as_of), as_of)
        retrieved = time.perf_counter()
        if stages:
            yield Stage("reading", len({p.doc_id for p in passages}))
        if not passages and not filters.is_empty() and not self.keywords.any_within(filters):
            # Not "the archive does not say": the archive may well say, outside the filters.
            text = prompts.load("no_match").format(filters=filters.describe())
            answer = Answer(query, text, True, self.answerer.name, self.answerer.model, [], [])
            answer.timings = {"retrieve_s": retrieved - started, "answer_s": 0.0, "total_s": time.perf_counter() - started}
            yield text
            yield answer
            return
        checking = False
        for item in self.answerer.stream(query, passages, history):  # the answerer sees no history
            if stages and not checking and isinstance(item, str):  # the answer's first words are in and checked
                checking = True
                yield Stage("checking")
            if isinstance(item, Answer):
                if item.refused and not filters.is_empty():
                    # not "the archive does not say": the archive may say, outside the filters
                    item.text = prompts.load("refusal_filtered").format(filters=filters.describe())
                if not item.refused:
                    item.unmentioned = unmentioned_names(query, item.passages)
                item.timings = {
                    "retrieve_s": retrieved - started,
                    "answer_s": time.perf_counter() - retrieved,
                    "total_s": time.perf_counter() - started,
                }
            yield item
