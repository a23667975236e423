"""Question sets, in two formats, told apart by the first character of the file:

- JSONL, one question a line: ``id``, ``question``, optional ``answer``, ``question_type``,
  ``evidence`` (list of objects with ``url`` or ``doc_id`` and optional ``fact``), ``as_of`` (the
  day the question was asked, YYYY-MM-DD: it is answered as on that day, ``Newsdesk.ask``);
- MultiHop-RAG's native JSON: one list of objects with ``query``, ``answer``, ``question_type`` and
  ``evidence_list`` (objects with ``url`` and ``fact``); ids are made up as ``<file stem>-<item>``.

Either key spelling is accepted in either format. A question with no evidence is a null query: the
archive cannot answer it and a refusal is expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path


class QuestionSetError(ValueError):
    """A question set that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    fact: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str = ""
    question_type: str = ""
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    line: int = 0
    as_of: date | None = None  # answered as on this day

    @property
    def is_null(self) -> bool:
        """A question the archive cannot answer: no gold evidence, a refusal is expected."""
        return not self.evidence

    @property
    def gold_docs(self) -> list[str]:
        return list(dict.fromkeys(e.doc_id for e in self.evidence))

    @property
    def facts(self) -> list[str]:
        return [e.fact for e in self.evidence if e.fact]


def parse_question(record: object, where: str, default_id: str) -> Question:
    if not isinstance(record, dict):
        raise QuestionSetError(f"{where}: expected a JSON object")
    text = record.get("question", record.get("query"))
    if not isinstance(text, str) or not text.strip():
        raise QuestionSetError(f"{where}: missing or empty 'question' (or 'query')")
    qid = record.get("id", default_id)
    if isinstance(qid, int) and not isinstance(qid, bool):
        qid = str(qid)
    if not isinstance(qid, str) or not qid.strip():
        raise QuestionSetError(f"{where}: 'id' must be a non-empty string")
    evidence_raw = record.get("evidence", record.get("evidence_list", []))
    if not isinstance(evidence_raw, list):
        raise QuestionSetError(f"{where}: 'evidence' must be a list")
    evidence = []
    for i, item in enumerate(evidence_raw):
        doc_id = (item.get("doc_id") or item.get("url")) if isinstance(item, dict) else None
        if not isinstance(doc_id, str) or not doc_id:
            raise QuestionSetError(f"{where}: evidence item {i} needs 'url' or 'doc_id'")
        fact = item.get("fact") or ""
        if not isinstance(fact, str):
            raise QuestionSetError(f"{where}: evidence item {i}: 'fact' must be a string")
        evidence.append(Evidence(doc_id, fact))
    for key in ("answer", "question_type"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise QuestionSetError(f"{where}: '{key}' must be a string")
    return Question(
        id=qid,
        question=text,
        answer=record.get("answer") or "",
        question_type=record.get("question_type") or "",
        evidence=tuple(evidence),
        as_of=parse_as_of(record.get("as_of"), where),
    )


def parse_as_of(value: object, where: str) -> date | None:
    """A question's ``as_of`` day (YYYY-MM-DD, or absent/null), or an error naming the line."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise QuestionSetError(f"{where}: 'as_of' must be a day like 2022-06-16, got {json.dumps(value)}") from None


def json_records(path: Path, text: str) -> list[tuple[int, object]]:
    """(line, record) pairs of a file holding one JSON list, each record with the line it starts on."""
    decoder = json.JSONDecoder()

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def invalid(exc: json.JSONDecodeError) -> QuestionSetError:
        return QuestionSetError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}")

    pos = text.index("[") + 1
    records: list[tuple[int, object]] = []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos < len(text) and text[pos] == "]":
            if text[pos + 1 :].strip():
                raise QuestionSetError(f"{path}:{line_of(pos + 1)}: invalid JSON: extra data after the list")
            return records
        try:
            record, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise invalid(exc) from None
        records.append((line_of(pos), record))
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif not (pos < len(text) and text[pos] == "]"):
            raise QuestionSetError(f"{path}:{line_of(pos)}: invalid JSON: expected ',' or ']' after item {len(records)}")


def jsonl_records(path: Path, text: str) -> list[tuple[int, object]]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
    return records


def load_question_set(path: Path) -> list[Question]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"{path}: cannot read: {exc}") from None
    native = text.lstrip().startswith("[")
    records = json_records(path, text) if native else jsonl_records(path, text)
    questions: list[Question] = []
    ids: dict[str, int] = {}
    for item, (number, record) in enumerate(records, start=1):
        where = f"{path}:{number}" + (f" (item {item})" if native else "")
        question = parse_question(record, where, default_id=f"{path.stem}-{item}")
        if question.id in ids:
            raise QuestionSetError(f"{where}: duplicate id {question.id!r} (first on line {ids[question.id]})")
        ids[question.id] = number
        questions.append(replace(question, line=number))
    if not questions:
        raise QuestionSetError(f"{path}: no questions")
    return questions


def resolve_copies(questions: list[Question], folded: dict[str, str]) -> list[Question]:
    """The questions with each evidence document that ingest folded into another story as a
    near-duplicate (``Manifest.folded_copies``: copy id -> stored story) replaced by that story:
    retrieving the story is retrieving the evidence."""
    if not folded:
        return questions
    return [replace(q, evidence=tuple(Evidence(folded.get(e.doc_id, e.doc_id), e.fact) for e in q.evidence))
            for q in questions]


def check_evidence_known(questions: list[Question], known_doc_ids: set[str], path: Path) -> None:
    for q in questions:
        for doc_id in q.gold_docs:
            if doc_id not in known_doc_ids:
                raise QuestionSetError(f"{path}:{q.line}: evidence document {doc_id!r} is not in the archive")
