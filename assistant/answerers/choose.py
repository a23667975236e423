"""Which answerer answers: the ``answerer`` setting, or the best one this install can run."""

from __future__ import annotations

from assistant.answerers import Answerer
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.local import LocalAnswerer, local_available
from assistant.answerers.openai_compatible import OpenAIAnswerer
from ingest.embedding import MiniLMEmbedding
from assistant.settings import Settings
from assistant.verifier import shared_embeddings


def choose_answerer(settings: Settings, embedder: MiniLMEmbedding) -> Answerer:
    """An explicit setting wins; otherwise ``openai`` when an endpoint or key is configured, else
    ``local`` when llama-cpp-python and a model are installed, else ``extractive``."""
    name = settings.answerer
    if name == "auto":
        if settings.llm_configured():
            name = "openai"
        elif local_available(settings.local_model_path):
            name = "local"
        else:
            name = "extractive"
    if name == "openai":
        return OpenAIAnswerer(settings, embedder)
    if name == "local":
        return LocalAnswerer(settings, embedder)
    shared_embeddings().adopt(embedder)  # one MiniLM session for answering and verifying
    return ExtractiveAnswerer(embedder, settings.min_support, settings.max_answer_sentences, shared_vectors=True)
