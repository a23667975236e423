"""Bad files get one clear line each; good files still go in; nothing already stored is lost."""

from __future__ import annotations

from conftest import SEED_FILE, cli_json, make_newsdesk


def write_bad_files(folder):
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    (folder / "latin1.txt").write_bytes("Caf\xe9 opens\n\nA caf\xe9 opened in Lisbon.".encode("latin-1"))
    (folder / "mixed.jsonl").write_text(
        '{"title": "Good one", "body": "Lisbon opened a new tram line on Sunday.", "url": "https://example.org/tram"}\n'
        '{"title": "Broken", "body": \n'
        '{"title": "No body"}\n'
    )
    (folder / "good.md").write_text("# Ferry service resumes\n\nThe ferry between Oslo and Kiel resumed on Friday.\n")


def test_each_bad_file_is_reported_and_good_ones_ingested(tmp_path):
    home = tmp_path / "home"
    desk = make_newsdesk(home)
    desk.ingest([SEED_FILE])
    before = desk.store.count()
    write_bad_files(tmp_path / "in")

    code, report, _ = cli_json("ingest", str(tmp_path / "in"), home=home)
    assert code == 1
    reasons = {f["path"].rsplit("/", 1)[-1]: f["reason"] for f in report["failed"]}
    assert reasons["empty.txt"] == "file is empty"
    assert reasons["binary.txt"] == "binary file, not text"
    assert reasons["latin1.txt"].startswith("not valid UTF-8")
    assert reasons["mixed.jsonl:2"].startswith("invalid JSON")
    assert reasons["mixed.jsonl:3"].startswith("missing 'body'")
    assert report["documents"] == 2  # the good JSONL line and good.md
    after = make_newsdesk(home)
    assert after.store.count() == before + 2
    assert set(after.manifest.doc_ids()) == {"nato-ukraine-training-2024-06-14.txt", "https://example.org/tram", "good.md"}
    assert "promised not to veto" in after.ask("What did Hungary commit to?").text


def test_text_output_has_one_line_per_failure(tmp_path):
    from conftest import run_cli

    write_bad_files(tmp_path / "in")
    proc = run_cli("ingest", str(tmp_path / "in"), home=tmp_path / "home")
    assert proc.returncode == 1
    failure_lines = [line for line in proc.stderr.splitlines() if line.startswith("failed ")]
    assert len(failure_lines) == 5
    assert any("empty.txt: file is empty" in line for line in failure_lines)
    assert "Traceback" not in proc.stderr
    assert "2 documents" in proc.stdout


def test_missing_path_and_unsupported_type(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    code, report, _ = cli_json("ingest", str(tmp_path / "nope.txt"), str(tmp_path / "notes.pdf"), home=tmp_path / "home")
    assert code == 1
    reasons = [f["reason"] for f in report["failed"]]
    assert reasons[0] == "no such file or folder"
    assert reasons[1].startswith("unsupported file type '.pdf'")


def test_a_symlink_loop_fails_alone_and_the_rest_is_stored(tmp_path):
    from conftest import run_cli

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "loop_a.txt").symlink_to("loop_b.txt")
    (folder / "loop_b.txt").symlink_to("loop_a.txt")
    (folder / "good.md").write_text("# Ferry service resumes\n\nThe ferry between Oslo and Kiel resumed on Friday.\n")
    proc = run_cli("ingest", str(folder), home=tmp_path / "home")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    failure_lines = [line for line in proc.stderr.splitlines() if line.startswith("failed ")]
    assert [line.rsplit("/", 1)[-1] for line in failure_lines] == ["loop_a.txt: symlink loop", "loop_b.txt: symlink loop"]
    assert "1 document" in proc.stdout
    code, report, _ = cli_json("ingest", str(folder / "loop_a.txt"), home=tmp_path / "home")
    assert code == 1 and [f["reason"] for f in report["failed"]] == ["symlink loop"]
    removed = run_cli("remove", str(folder / "loop_a.txt"), home=tmp_path / "home")
    assert removed.returncode == 1 and "not in the archive" in removed.stderr and "Traceback" not in removed.stderr
    # a stored file later replaced by a loop is a stale document, not a crash
    (folder / "good.md").unlink()
    (folder / "good.md").symlink_to("good.md")
    again = run_cli("ingest", str(folder), home=tmp_path / "home")
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
