"""A small OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, scripted replies.

It speaks enough of ``POST /v1/chat/completions`` (plain and ``stream: true`` server-sent events)
for the real ``openai`` client, and records every request body so tests can assert on the prompt.
``POST /v1/embeddings`` answers with a hashed bag of words (``bag_of_words``): deterministic vectors
of ``embedding_dimensions`` under which texts sharing words are near, so retrieval works.
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = str | Callable[[dict], str]


def bag_of_words(text: str, dimensions: int) -> list[float]:
    """Word counts hashed into ``dimensions`` buckets (not normalised: the client must do that)."""
    vector = [0.0] * dimensions
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[zlib.crc32(word.encode()) % dimensions] += 1.0
    return vector


class QuietServer(ThreadingHTTPServer):
    """A client that gave up on a stream (a test of timeouts) is expected: no traceback for it."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class OpenAITestServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.replies: list[Reply] = []
        self.default_reply: Reply = "INSUFFICIENT_INFORMATION"
        self.fail_with: int | None = None
        self.raw_body: bytes | None = None  # sent as is, status 200: a body that is no chat completion
        self.cut_after: int | None = None  # a stream closes after this many pieces, without finish_reason
        self.pause: tuple[int, float] | None = None  # (after this many pieces, sleep this many seconds)
        self.embedding_dimensions = 64  # the length of the vectors /v1/embeddings returns
        self.embeddings_before_failure: int | None = None  # then every later embeddings request fails (HTTP 500)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                body["_authorization"] = self.headers.get("Authorization", "")
                server.requests.append(body)
                if self.path.rstrip("/").endswith("/embeddings") and server.embeddings_before_failure is not None:
                    server.embeddings_before_failure -= 1
                    if server.embeddings_before_failure < 0:
                        server.fail_with = 500  # a server that broke down mid-ingest stays down
                if server.fail_with:
                    self.send_response(server.fail_with)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode())
                    return
                if server.raw_body is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(server.raw_body)))
                    self.end_headers()
                    self.wfile.write(server.raw_body)
                    return
                if self.path.rstrip("/").endswith("/embeddings"):
                    self._embeddings(body)
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self.send_response(404)
                    self.end_headers()
                    return
                reply = server.replies.pop(0) if server.replies else server.default_reply
                text = reply(body) if callable(reply) else reply
                if body.get("stream"):
                    self._stream(body, text)
                else:
                    self._complete(body, text)

            def _complete(self, body: dict, text: str) -> None:
                payload = {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "test"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split()), "total_tokens": 10 + len(text.split())},
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _embeddings(self, body: dict) -> None:
                texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
                data = [{"object": "embedding", "index": i, "embedding": bag_of_words(text, server.embedding_dimensions)}
                        for i, text in enumerate(texts)]
                payload = {
                    "object": "list", "model": body.get("model", "test"),
                    "data": data[::-1],  # in reverse: a client must place them by "index"
                    "usage": {"prompt_tokens": 0, "total_tokens": 0},
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
                for n, piece in enumerate(pieces + [None]):
                    if server.cut_after is not None and n >= server.cut_after:
                        return  # the connection closes mid-stream
                    if server.pause is not None and n == server.pause[0]:
                        time.sleep(server.pause[1])  # a stream that stalls after it has begun
                    delta = {"content": piece} if piece is not None else {}
                    if n == 0:
                        delta["role"] = "assistant"
                    chunk = {
                        "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": body.get("model", "test"),
                        "choices": [{"index": 0, "delta": delta, "finish_reason": None if piece is not None else "stop"}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> OpenAITestServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
