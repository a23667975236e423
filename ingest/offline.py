"""Keep every library in the process off the network.

Called from ``ingest/__init__.py`` (which ``assistant`` imports first) before any third-party import, because several of these
variables are read once, at import time, by the libraries they steer.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path

FORCED_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def _llama_index_static_dir() -> Path | None:
    spec = find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "_static"


def apply() -> None:
    """Set the environment so that no library phones home or downloads data at run time."""
    os.environ.update(FORCED_ENV)
    static = _llama_index_static_dir()
    if static is not None:
        # llama-index ships tiktoken's BPE files and NLTK's stopwords/punkt; point both there.
        os.environ["TIKTOKEN_CACHE_DIR"] = str(static / "tiktoken_cache")
        os.environ.setdefault("NLTK_DATA", str(static / "nltk_cache"))
