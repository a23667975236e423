"""Helpers for the chat page tests: a free loopback port and the page served in this process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(home: Path, **settings) -> Iterator[tuple[str, object]]:
    """The chat page over ``home`` on 127.0.0.1, as ``newsdesk chat`` would start it."""
    from conftest import make_newsdesk

    from assistant.ui import launch

    nd = make_newsdesk(home, port=free_port(), **settings)
    page = launch(nd, block=False)
    try:
        yield page.local_url.rstrip("/"), nd
    finally:
        page.close()


@contextmanager
def chat_process(port: int, *args: str, env: dict[str, str]) -> Iterator[str]:
    """``newsdesk chat --port PORT ARGS`` in its own process with ``env``; its loopback URL once it answers."""
    import subprocess
    import sys
    import time

    import httpx

    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "assistant", "chat", "--port", str(port), *args], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"newsdesk chat exited {server.returncode}: {server.stdout.read()}"
            try:
                if httpx.get(f"{url}/gradio_api/info", timeout=2).status_code in (200, 401):
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "newsdesk chat did not come up in 180 s"
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=60)


def upload(url: str, name: str, content: bytes, cookies=None):
    """POST one file to the page's upload route, as the file picker does."""
    import httpx

    return httpx.post(f"{url}/gradio_api/upload", files=[("files", (name, content, "text/plain"))], cookies=cookies,
                      timeout=30)


def add_uploaded(url: str, stored: list[str], cookies=None) -> dict:
    """Hand uploaded files to the page's upload handler as the browser does (a queued event; the
    handler is private, so gradio_client cannot call it); returns the event's last message."""
    import json
    import uuid

    import httpx

    config = httpx.get(f"{url}/config", cookies=cookies, timeout=30).json()
    picker = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "nd-upload")
    event = next(d["id"] for d in config["dependencies"] if [picker, "upload"] in d["targets"])
    files = [{"path": path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}} for path in stored]
    session = uuid.uuid4().hex
    joined = httpx.post(f"{url}/gradio_api/queue/join", cookies=cookies, timeout=30,
                        json={"data": [files], "event_data": None, "fn_index": event, "trigger_id": picker,
                              "session_hash": session})
    assert joined.status_code == 200, joined.text
    with httpx.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}, cookies=cookies,
                      timeout=120) as stream:
        for line in stream.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError("the upload event never completed")
