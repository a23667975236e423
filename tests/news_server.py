"""A real HTTP server on 127.0.0.1 for the URL tests: pages, feeds and the ways a URL goes wrong.

``NewsServer`` serves what a test puts at a path (``put``), and a few fixed misbehaviours: ``/slow``
answers after two seconds, ``/redirect/N`` redirects N times before landing on ``/``'s page,
``/loop`` redirects to itself. It records each request's path and User-Agent.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Response:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    length: bool = True  # send Content-Length (else the body runs to the connection's close)


def page(title: str, body: str, canonical: str = "", site: str = "") -> str:
    """An article page with the usual chrome around the story."""
    meta = (f'<meta property="og:url" content="{canonical}">' if canonical else "") + (
        f'<meta property="og:site_name" content="{site}">' if site else "")
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (f"<html><head><title>{title}</title>{meta}</head><body><nav>Home | World | Sport</nav>"
            f"<article><h1>{title}</h1>{paragraphs}</article><footer>(c) The paper</footer></body></html>")


def rss(title: str, items: list[dict]) -> str:
    """An RSS 2.0 feed; each item has title, link, description and optionally pubDate."""
    rows = "".join(
        f"<item><title>{i['title']}</title><link>{i['link']}</link><description>{i['description']}</description>"
        + (f"<pubDate>{i['pubDate']}</pubDate>" if i.get("pubDate") else "") + "</item>"
        for i in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>http://x/</link>{rows}</channel></rss>'


class NewsServer:
    def __init__(self) -> None:
        self.routes: dict[str, Response] = {}
        self.hits: Counter[str] = Counter()
        self.user_agents: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.hits[self.path] += 1
                server.user_agents.append(self.headers.get("User-Agent", ""))
                if self.path == "/slow":
                    time.sleep(2)
                    return self.reply(Response(b"<html><body><p>Late.</p></body></html>"))
                if self.path.startswith("/redirect/"):
                    left = int(self.path.rsplit("/", 1)[1])
                    return self.redirect(f"/redirect/{left - 1}" if left > 1 else "/")
                if self.path == "/loop":
                    return self.redirect("/loop")
                response = server.routes.get(self.path)
                if response is None:
                    return self.reply(Response(b"<html><body>Not here</body></html>", status=404))
                self.reply(response)

            def redirect(self, where: str) -> None:
                self.send_response(302)
                self.send_header("Location", where)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def reply(self, response: Response) -> None:
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                if response.length:
                    self.send_header("Content-Length", str(len(response.body)))
                else:
                    self.close_connection = True
                self.end_headers()
                try:
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):  # the client stopped reading: too large
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def put(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **options) -> str:
        self.routes[path] = Response(body.encode() if isinstance(body, str) else body, content_type, **options)
        return self.url(path)

    def __enter__(self) -> NewsServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
