"""Keep every library in the process off the network, and its files inside the archive's home.

``apply`` is called from ``ingest/__init__.py`` (which ``assistant`` imports first) before any third-party import, because several of these
variables are read once, at import time, by the libraries they steer. ``confine`` is called once the
home is known (the CLI, when it reads the settings), before any library writes a cache.
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
    # onnxruntime writes a device id and a telemetry queue to $XDG_CACHE_HOME/Microsoft/DeveloperTools
    # when it is imported, even after disable_telemetry_events(); this switch, read at import, stops it.
    "ORT_DISABLE_TELEMETRY": "1",
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


def confine(home: Path) -> None:
    """Point the caches of every library in the process into ``home/cache``.

    Nothing is created here: a library that writes a cache (matplotlib's font list, for ``eval
    --out``) writes it there, and one that writes nothing leaves no folder. ``XDG_CACHE_HOME`` catches
    what follows the XDG rules (platformdirs, onnxruntime, huggingface); matplotlib reads
    ``MPLCONFIGDIR`` for both its config and its cache folder.
    """
    cache = Path(home).absolute() / "cache"
    os.environ["XDG_CACHE_HOME"] = str(cache)
    os.environ["MPLCONFIGDIR"] = str(cache / "matplotlib")
    os.environ["HF_HOME"] = str(cache / "huggingface")
