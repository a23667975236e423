"""The bundled MiniLM model: checked files, sound vectors, and a working llama-index adapter."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embedding import ModelIntegrityError, MiniLMEmbedding, verify_file


def test_vectors_are_unit_length_and_meaningful():
    model = MiniLMEmbedding()
    vectors = model.embed(["Hungary promised not to veto the proposal", "What did Hungary commit to?", "A recipe for pizza dough"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[2] @ vectors[1] + 0.3
    assert model.texts_embedded == 3


def test_batches_do_not_change_results():
    texts = ["short", "a somewhat longer sentence about ports and strikes in Rotterdam", "mid length text here"] * 3
    one_by_one = np.stack([MiniLMEmbedding(embed_batch_size=1).embed([t])[0] for t in texts])
    batched = MiniLMEmbedding(embed_batch_size=4).embed(texts)
    assert np.allclose(one_by_one, batched, atol=1e-4)


def test_tampered_model_file_is_refused(tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ModelIntegrityError, match="does not match the pinned"):
        verify_file(fake, "0" * 64)


def test_llama_index_adapter_builds_and_queries_an_index():
    from llama_index.core import Document, VectorStoreIndex

    embed = MiniLMEmbedding().as_llama_index()
    index = VectorStoreIndex.from_documents(
        [Document(text="Hungary promised not to veto the proposal."), Document(text="Pizza dough needs flour.")],
        embed_model=embed,
    )
    (best,) = index.as_retriever(similarity_top_k=1).retrieve("What did Hungary commit to?")
    assert "Hungary" in best.node.get_content()


def test_workers_give_the_same_vectors_in_input_order():
    """Two workers run batches at once; each row still belongs to its text (the length sort is
    undone), the vectors are those one worker computes, and progress hears every batch."""
    texts = [f"{' '.join(['council'] * n)} met about item {n}" for n in (40, 3, 17, 60, 1, 25, 9, 33, 2, 50)]
    one = MiniLMEmbedding(embed_batch_size=2, workers=1).embed(texts)
    heard = []
    two_model = MiniLMEmbedding(embed_batch_size=2, workers=2)
    two = two_model.embed(texts, heard.append)
    assert np.array_equal(one, two)
    assert heard == [2] * 5 and two_model.texts_embedded == len(texts)
    alone = np.stack([MiniLMEmbedding(embed_batch_size=1).embed([text])[0] for text in texts])
    assert np.allclose(alone, two, atol=1e-4)
    assert not np.allclose(two[0], two[1], atol=1e-2)  # distinct texts, distinct rows: a mix-up would show


def test_length_batches_sort_cap_texts_and_padded_tokens():
    from ingest.embedding import length_batches

    lengths = [300, 10, 200, 20, 40, 30, 250, 100]
    batches = length_batches(lengths, max_texts=3, max_tokens=512)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))  # each text once
    assert [[lengths[i] for i in batch] for batch in batches] == [[10, 20, 30], [40, 100], [200, 250], [300]]
    for batch in batches:
        assert len(batch) <= 3 and (len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 512)
    # with a budget that never binds, batches of max_texts in length order, as before the budget
    assert length_batches(lengths, max_texts=3, max_tokens=10**9) == [[1, 3, 5], [4, 7, 2], [6, 0]]
    assert length_batches([600], max_texts=8, max_tokens=512) == [[0]]  # one text over the budget still goes
    assert length_batches([], max_texts=8, max_tokens=512) == []


def test_a_token_budget_changes_the_batches_not_the_vectors():
    texts = [" ".join(["council"] * n) + f" met about item {n}" for n in (200, 5, 120, 60, 240, 15)]
    budgeted = MiniLMEmbedding(embed_batch_size=8, batch_tokens=256).embed(texts)
    whole = MiniLMEmbedding(embed_batch_size=8, batch_tokens=10**6).embed(texts)
    assert np.allclose(budgeted, whole, atol=1e-5)
