"""An API key never shows up in anything Newsdesk prints or writes, even when the endpoint fails."""

from __future__ import annotations

from pathlib import Path

from conftest import SEED_FILE, run_cli

SENTINEL = "sk-SENTINEL-7f3a9c2e41b8d6f0a5e9"


def test_api_key_never_appears_in_outputs(tmp_path, openai_server):
    home = tmp_path / "home"
    run_cli("ingest", str(SEED_FILE), home=home, check=True)
    env = {"NEWSDESK_ANSWERER": "openai", "OPENAI_API_KEY": SENTINEL, "NEWSDESK_LLM_BASE_URL": openai_server.base_url,
           "NEWSDESK_LLM_MODEL": "test-model", "NEWSDESK_LLM_MAX_RETRIES": "0"}
    outputs: list[str] = []

    openai_server.default_reply = "Hungary promised not to veto the proposal as long as it was not forced to participate [1]."
    ok = run_cli("ask", "What did Hungary commit to?", "--json", home=home, env=env)
    assert ok.returncode == 0 and '"answerer": "openai"' in ok.stdout
    outputs += [ok.stdout, ok.stderr]

    openai_server.fail_with = 401
    failed = run_cli("ask", "What did Hungary commit to?", home=home, env=env)
    assert failed.returncode == 2 and failed.stderr.startswith("error: ")
    outputs += [failed.stdout, failed.stderr]

    openai_server.fail_with = None
    out_dir = tmp_path / "report"
    evaluated = run_cli("eval", str(Path(__file__).parents[1] / "eval" / "sets" / "seed.jsonl"), "--out", str(out_dir),
                        home=home, env=env)
    outputs += [evaluated.stdout, evaluated.stderr]
    assert out_dir.is_dir()
    outputs += [p.read_text(errors="replace") for p in out_dir.rglob("*") if p.is_file() and p.suffix in (".json", ".md")]
    outputs += [p.read_text(errors="replace") for p in home.rglob("*.log")]

    # the key did reach the endpoint (so it was really configured) ...
    assert any(SENTINEL in r["_authorization"] for r in openai_server.requests)
    # ... and nowhere else
    leaks = [text for text in outputs if SENTINEL in text or SENTINEL[8:] in text]
    assert leaks == []


def test_settings_repr_hides_the_key():
    from assistant.settings import load_settings

    settings = load_settings(llm_api_key=SENTINEL)
    assert SENTINEL not in repr(settings) and SENTINEL not in str(settings.model_dump())


def test_a_key_written_into_the_endpoint_url_is_never_shown(tmp_path):
    """A key as the URL's user name or in its query string is as secret as a password there."""
    from ingest.settings import redact_url, without_url_password

    for url, shown in [
        (f"http://{SENTINEL}@127.0.0.1:9/v1", "http://***@127.0.0.1:9/v1"),
        (f"http://user:{SENTINEL}@127.0.0.1:9/v1", "http://user:***@127.0.0.1:9/v1"),
        (f"http://127.0.0.1:9/v1?api-key={SENTINEL}&api-version=2024-06-01", "http://127.0.0.1:9/v1?api-key=***&api-version=2024-06-01"),
        ("http://127.0.0.1:9/v1?api-version=2024-06-01", "http://127.0.0.1:9/v1?api-version=2024-06-01"),
    ]:
        assert redact_url(url) == shown
        if SENTINEL in url:
            assert SENTINEL not in without_url_password(f"POST {url} failed ({SENTINEL})", url)
    home = tmp_path / "home"
    run_cli("ingest", str(SEED_FILE), home=home, check=True)
    for url in (f"http://{SENTINEL}@127.0.0.1:9/v1", f"http://127.0.0.1:9/v1?token={SENTINEL}"):
        failed = run_cli("ask", "What did Hungary commit to?", "--json", home=home,
                         env={"NEWSDESK_ANSWERER": "openai", "NEWSDESK_LLM_BASE_URL": url, "NEWSDESK_LLM_MAX_RETRIES": "0"})
        assert failed.returncode == 2 and "Connection refused" in failed.stderr, failed.stderr
        assert SENTINEL not in failed.stdout + failed.stderr


def test_an_empty_key_or_endpoint_variable_counts_as_unset(monkeypatch):
    """``OPENAI_API_KEY= newsdesk ask ...`` is how a shell leaves the key out for one command."""
    from assistant.settings import load_settings

    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("NEWSDESK_LLM_BASE_URL", " ")
    settings = load_settings()
    assert settings.llm_api_key is None and settings.llm_base_url is None and not settings.llm_configured()
