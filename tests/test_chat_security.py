"""Who may reach the chat page: the network only with a login, or when told so explicitly (and the
page then says it is open); with a login, every route that reads or adds articles asks for it."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from conftest import SEED_FILE, make_newsdesk, run_cli

import assistant  # noqa: F401  (offline environment before gradio loads)
from ui_server import add_uploaded, chat_process, free_port, serve, upload

REFUSAL = ("error: the chat would listen on {host} with no login: set NEWSDESK_AUTH=user:password or "
           "NEWSDESK_AUTH_FILE=PATH (user:password lines), or pass --insecure-no-login to serve it open")


def test_a_network_address_needs_a_login_or_the_explicit_flag(tmp_path):
    from assistant.serving import page_access
    from assistant.settings import load_settings

    def access(**settings):
        return page_access(load_settings(home=tmp_path, **settings))

    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert access(host=host) == (None, False), host  # loopback without a login works as it always did
        assert access(host=host, insecure_no_login=True) == (None, False), host  # and needs no banner
    for host in ("0.0.0.0", "::", "192.168.1.20", "newsdesk.example", "localhost.example"):
        with pytest.raises(ValueError) as refused:
            access(host=host)
        assert f"error: {refused.value}" == REFUSAL.format(host=host)
        assert access(host=host, insecure_no_login=True) == (None, True)  # open, and the page says so
        assert access(host=host, auth="reader:pw", insecure_no_login=True) == ([("reader", "pw")], False)
    users = tmp_path / "users.txt"
    users.write_text("# readers\nann:first pw\nbob:second\n")
    assert access(host="0.0.0.0", auth_file=users) == ([("ann", "first pw"), ("bob", "second")], False)


def test_chat_and_demo_refuse_an_open_door_in_one_line_before_touching_the_home(tmp_path):
    home = tmp_path / "home"
    for args, env in [(("chat", "--host", "0.0.0.0"), {}), (("chat",), {"NEWSDESK_HOST": "192.168.1.20"}),
                      (("demo", "--host", "0.0.0.0"), {})]:
        proc = run_cli(*args, home=home, env=env, timeout=120)
        host = env.get("NEWSDESK_HOST", "0.0.0.0")
        assert (proc.returncode, proc.stderr.splitlines(), proc.stdout) == (2, [REFUSAL.format(host=host)], ""), args
        assert not home.exists(), args  # demo refuses before it ingests the sample


def test_insecure_no_login_serves_the_page_with_a_banner(tmp_path):
    from assistant.serving import OPEN_PAGE_BANNER

    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADIO_")}
    env["NEWSDESK_HOME"] = str(tmp_path / "home")
    with chat_process(free_port(), "--host", "0.0.0.0", "--insecure-no-login", env=env) as url:
        config = httpx.get(f"{url}/config", timeout=30)
    assert config.status_code == 200
    (banner,) = [c for c in config.json()["components"] if c.get("props", {}).get("elem_id") == "nd-open-page"]
    assert OPEN_PAGE_BANNER in banner["props"]["value"]


def test_with_a_login_uploads_and_the_page_need_it(tmp_path):
    home = tmp_path / "home"
    make_newsdesk(home).ingest([SEED_FILE])
    with serve(home, answerer="extractive", auth="reader:correct horse") as (url, nd):
        assert "nd-open-page" not in httpx.get(f"{url}/", timeout=30).text
        for route in ("/config", "/gradio_api/info"):
            assert httpx.get(f"{url}{route}", timeout=30).status_code == 401, route
        refused = upload(url, "harbour.txt", b"Harbour plant approved\n\nThe council approved the plant.")
        assert refused.status_code == 401
        joined = httpx.post(f"{url}/gradio_api/queue/join", timeout=30,
                            json={"data": [[]], "fn_index": 0, "trigger_id": 0, "session_hash": "x"})
        assert joined.status_code == 401
        assert list((home / "tmp" / "gradio").rglob("*.txt")) == []

        wrong = httpx.post(f"{url}/login", data={"username": "reader", "password": "wrong"}, timeout=30)
        assert wrong.status_code in (400, 401) and not wrong.cookies
        login = httpx.post(f"{url}/login", data={"username": "reader", "password": "correct horse"}, timeout=30)
        assert login.status_code == 200, login.text
        config = httpx.get(f"{url}/config", cookies=login.cookies, timeout=30).json()
        assert config["run_history"] is False  # Gradio would keep each question and answer in the browser
        stored = upload(url, "harbour.txt", b"Harbour plant approved\n\nThe council approved the plant.",
                        cookies=login.cookies)
        assert stored.status_code == 200, stored.text
        done = add_uploaded(url, stored.json(), cookies=login.cookies)
        assert done["success"] is True and nd.manifest.known("harbour.txt")
        assert not Path(stored.json()[0]).exists()
