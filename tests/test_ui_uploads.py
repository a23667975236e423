"""Uploads through the chat page: a size limit, supported types only, names cannot leave the upload
folder, which lies in the archive's home, and every upload is deleted once the page has added it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
from conftest import SEED_FILE, make_newsdesk

import assistant  # noqa: F401  (offline environment before gradio loads)
from ui_server import add_uploaded, chat_process, free_port, serve, upload


def test_upload_limits_and_names(tmp_path):
    home = tmp_path / "home"
    make_newsdesk(home).ingest([SEED_FILE])
    with serve(home, answerer="extractive", upload_max_mb=1) as (url, nd):
        upload_root = (home / "tmp" / "gradio").resolve()
        too_big = upload(url, "big.txt", b"Headline\n\n" + b"word " * 300_000)
        assert too_big.status_code == 413, too_big.text
        assert too_big.text == "File size exceeded maximum allowed size of 1048576 bytes."
        assert "at most 1 MiB a file" in httpx.get(f"{url}/config", timeout=30).text  # the picker says so first
        assert [p for p in upload_root.rglob("*") if p.is_file()] == []  # the part received is not kept

        sneaky = upload(url, "../../../../tmp/escaped-newsdesk.txt", b"Escape attempt\n\nThe body.")
        assert sneaky.status_code == 200, sneaky.text
        (stored,) = sneaky.json()
        assert Path(stored).resolve().is_relative_to(upload_root), stored
        assert not Path("/tmp/escaped-newsdesk.txt").exists()

        outside = tmp_path / "secret.txt"  # a client naming a file of the server's instead of an upload
        outside.write_text("Secret\n\nNot for the archive.")
        refused = add_uploaded(url, [str(outside)])
        assert refused["success"] is False  # Gradio: "it was not uploaded by a user"
        assert outside.exists() and not nd.manifest.known("secret.txt")

        done = add_uploaded(url, [stored])
        assert done["success"] is True, done
        assert nd.manifest.known("escaped-newsdesk.txt") and not Path(stored).exists()

        odd = upload(url, "notes.exe", b"MZ\x90\x00binary")  # the picker filters types; the server refuses them too
        (stored_odd,) = odd.json()
        report = add_uploaded(url, [stored_odd])["output"]["data"][0]
        assert "unsupported file type" in report and "notes.exe" in report
        assert not Path(stored_odd).exists()  # deleted when it failed too


def test_uploads_stay_in_the_home_and_are_deleted_once_added(tmp_path):
    """`newsdesk chat` as a user starts it, with HOME and TMPDIR empty: an upload lands in the home's
    folder and is gone once added, and Gradio leaves nothing in /tmp/gradio or under HOME."""
    home, user_home, tmp = tmp_path / "archive", tmp_path / "user", tmp_path / "tmp"
    user_home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADIO_")}
    env.update(HOME=str(user_home), TMPDIR=str(tmp), NEWSDESK_HOME=str(home))
    with chat_process(free_port(), env=env) as url:
        stored = [upload(url, "harbour.txt", b"Harbour plant approved\n\nThe council approved the plant.").json()[0],
                  upload(url, "notes.exe", b"MZ\x90\x00binary").json()[0]]
        uploads = (home / "tmp" / "gradio").resolve()
        assert all(Path(path).resolve().is_relative_to(uploads) for path in stored), stored
        report = add_uploaded(url, stored)["output"]["data"][0]
        assert "harbour.txt" in report and "unsupported file type" in report
    assert make_newsdesk(home).manifest.known("harbour.txt")
    assert [p for p in uploads.rglob("*") if not p.is_dir()] == []
    assert not (tmp / "gradio").exists()
    assert [p for p in user_home.rglob("*") if "gradio" in p.name.lower()] == []


def test_leftover_uploads_are_swept_once_an_hour_old(tmp_path):
    from assistant.serving import UPLOAD_MAX_AGE_S, discard_upload, sweep_uploads

    folder = tmp_path / "gradio"
    old, young, loose = folder / "aa" / "old.txt", folder / "bb" / "young.txt", folder / "loose.txt"
    for path in (old, young, loose):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    now = time.time()
    for path in (old, loose, old.parent):
        os.utime(path, (now - UPLOAD_MAX_AGE_S - 60, now - UPLOAD_MAX_AGE_S - 60))
    (folder / "cc").mkdir()  # a folder Gradio has just made for a file it is moving in
    assert sweep_uploads(folder, now=now) == 2
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == ["bb", "bb/young.txt", "cc"]
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    discard_upload(outside, folder)  # not an upload: left alone
    discard_upload(young, folder)
    assert outside.exists() and not (folder / "bb").exists() and (folder / "cc").exists()
