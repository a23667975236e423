"""Uploads through the chat page: a size limit, supported types only, names cannot leave the upload folder."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from conftest import SEED_FILE, make_newsdesk

import assistant  # noqa: F401  (offline environment before gradio loads)
from ui_server import serve


def upload(url: str, name: str, content: bytes) -> httpx.Response:
    return httpx.post(f"{url}/gradio_api/upload", files=[("files", (name, content, "text/plain"))], timeout=30)


def test_upload_limits_and_names(tmp_path):
    home = tmp_path / "home"
    make_newsdesk(home).ingest([SEED_FILE])
    upload_root = tmp_path / "gradio-uploads"
    os.environ["GRADIO_TEMP_DIR"] = str(upload_root)
    try:
        with serve(home, answerer="extractive", upload_max_mb=1) as (url, nd):
            too_big = upload(url, "big.txt", b"Headline\n\n" + b"word " * 300_000)
            assert too_big.status_code == 413, too_big.text

            sneaky = upload(url, "../../../../tmp/escaped-newsdesk.txt", b"Escape attempt\n\nThe body.")
            assert sneaky.status_code == 200, sneaky.text
            (stored,) = sneaky.json()
            stored_path = Path(stored).resolve()
            assert stored_path.is_relative_to(upload_root.resolve()), stored_path
            assert not Path("/tmp/escaped-newsdesk.txt").exists()
            report = nd.ingest([stored_path])
            assert report.documents == 1 and nd.manifest.known("escaped-newsdesk.txt")

            odd = upload(url, "notes.exe", b"MZ\x90\x00binary")
            if odd.status_code == 200:  # the page's file picker filters types; the server side still refuses it
                (stored_odd,) = odd.json()
                refused = nd.ingest([Path(stored_odd)])
                assert refused.failed and refused.failed[0].reason.startswith("unsupported file type '.exe'")
    finally:
        os.environ.pop("GRADIO_TEMP_DIR", None)
