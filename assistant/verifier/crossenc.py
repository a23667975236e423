"""The claim/evidence cross-encoder: all-MiniLM-L6-v2 fine-tuned to read a claim and its deciding
sentences together (one logit: supported), run as int8 ONNX with onnxruntime.

Optional: when ``assistant/models/verifier/crossencoder_int8.onnx`` is absent, ``available()`` is
False and the verifier works without its score. The tokenizer is the embedding model's (same vocab).
Training: ``eval/verifier_training/train_crossencoder.py``.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

import numpy as np

from assistant.verifier.model import model_dir

MODEL_FILE = "crossencoder_int8.onnx"
MAX_TOKENS = 256
_LOCK = threading.Lock()


def model_path() -> Path:
    return model_dir() / MODEL_FILE


def available() -> bool:
    return model_path().is_file()


@cache
def _tokenizer():
    try:
        from ingest.embedding import load_tokenizer
    except ImportError:  # pragma: no cover - before the ingest refactor
        from assistant.embedding import load_tokenizer
    import copy

    tokenizer = copy.deepcopy(load_tokenizer(False))
    tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")
    tokenizer.no_padding()
    return tokenizer


@cache
def _session(threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False
    return ort.InferenceSession(str(model_path()), sess_options=options, providers=["CPUExecutionProvider"])


def logits(claim: str, windows: list[str], threads: int = 1) -> np.ndarray:
    """The cross-encoder's logit (supported) for the claim against each window."""
    if not windows:
        return np.zeros(0, dtype=np.float32)
    encodings = _tokenizer().encode_batch([(claim, w) for w in windows])
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, e in enumerate(encodings):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
        types[i, : len(e.ids)] = e.type_ids
    with _LOCK:
        out = _session(threads).run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
    return out.reshape(-1).astype(np.float32)
