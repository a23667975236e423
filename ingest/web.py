"""Articles from the web: pages and feeds read over HTTP(S) for ``newsdesk ingest URL...`` and
``newsdesk sync``, and the article pages a feed's items link to (``--follow``).

A response is refused, with one line naming the URL and the reason, when its status is an error,
it times out (``fetch_timeout`` to connect and for each read, ``fetch_total_timeout`` in all), it is
larger than ``fetch_max_mb``, it redirects more than ``fetch_max_redirects`` times, or no loader
reads its content type (``format_for_content_type``: images, ``application/octet-stream``).
Every request says who sends it (``user_agent``).

The body is streamed to a temporary file in the archive's home and handed to the loader its content
type is registered to as a ``Source``, exactly as a file of that format would be (a loader that
streams its file works unchanged), then deleted. A page's article is identified by its URL after
redirects, or by the canonical URL the page gives when that is on the same site.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.loaders import Failure, LoadError, Source, format_for, format_for_content_type, read_file, read_source
from ingest.loaders.registry import REGISTRY, Format, media_type
from ingest.settings import ArchiveSettings, redact_url
from ingest.types import Article

FEED_FORMAT = "feed"  # the format whose items link to article pages (ingest.loaders.feeds)
PAGE_FORMAT = "html"  # one page, one article: its canonical URL is checked
FOLLOW_WORKERS = 4  # pages fetched at once for --follow
ACCEPT = "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
# Content types that say only "XML" or nothing: the URL's suffix, or a feed's root element, decides.
GENERIC_TYPES = {"", "application/xml", "text/xml"}
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
_HTTP = re.compile(r"^https?://", re.I)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def is_url(text: str) -> bool:
    """Whether a command-line input names a URL (any scheme://) rather than a path."""
    return bool(_URL.match(text))


def split_inputs(inputs: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Command-line inputs as ``(paths, urls)``, each in the order given."""
    paths, urls = [], []
    for given in inputs:
        (urls.append(given) if is_url(given) else paths.append(Path(given)))
    return paths, urls


def read_feed_list(path: Path) -> tuple[list[str], list[Failure]]:
    """The feed URLs of a ``sync`` list: one a line, blank lines and ``#`` comments ignored; a line
    that is no http(s) URL is a failure naming the line. A file that cannot be read, or that lists
    no URL at all, is a ``ValueError``."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the feed list: {getattr(exc, 'strerror', None) or exc}") from None
    urls, failures = [], []
    for number, line in enumerate(lines, start=1):
        entry = re.split(r"\s+#", line.strip(), maxsplit=1)[0].strip()
        if not entry or entry.startswith("#"):
            continue
        if _HTTP.match(entry) and " " not in entry:
            urls.append(entry)
        else:
            failures.append(Failure(f"{path}:{number}", f"not an http(s) URL: {entry[:80]!r}"))
    if not urls and not failures:
        raise ValueError(f"{path}: no feed URLs in it (one http(s) URL a line; # starts a comment)")
    return list(dict.fromkeys(urls)), failures


def site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


@dataclass
class Input:
    """One input (a file or a URL) for the ingest: its articles and the records that failed, read as
    they are taken (``articles()``: a file streams, memory flat), and warnings (a linked page that
    could not be read: its feed item is stored as the feed gives it)."""

    items: Iterable[Article | Failure]
    file: Path | None = None  # the file read; None for a URL
    fmt: Format | None = None  # the format that read it
    failures: list[Failure] = field(default_factory=list)  # those met so far
    warnings: list[Failure] = field(default_factory=list)
    known_pages: int = 0  # feed items not read again: their page is stored already (--follow)

    def articles(self) -> Iterator[Article]:
        """The articles, one at a time; each failure met on the way is added to ``failures``."""
        for item in self.items:
            if isinstance(item, Failure):
                self.failures.append(item)
            else:
                yield item


@dataclass(frozen=True)
class Download:
    url: str  # after redirects
    fmt: Format
    path: Path  # the body, in a temporary file


class WebReader:
    """Reads files and URLs for one ingest run; its HTTP client and scratch folder (in the archive's
    home) are made on the first URL and removed on exit."""

    def __init__(self, settings: ArchiveSettings):
        self.settings = settings
        self._client: httpx.Client | None = None
        self._scratch: Path | None = None

    def __enter__(self) -> WebReader:
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            s = self.settings
            self._client = httpx.Client(
                headers={"User-Agent": s.user_agent, "Accept": ACCEPT},
                timeout=httpx.Timeout(s.fetch_timeout), follow_redirects=True, max_redirects=s.fetch_max_redirects,
            )
            self.settings.home.mkdir(parents=True, exist_ok=True)
            self._scratch = Path(tempfile.mkdtemp(prefix=".fetch-", dir=self.settings.home))
        return self._client

    def inputs(
        self, files: list[tuple[Path, Path]], urls: list[str], follow: bool = False,
        wants_page: Callable[[Article], bool] = lambda item: True, field_map: Mapping[str, str] | None = None,
    ) -> Iterator[Input]:
        """Each file, then each URL, read; with ``follow``, a feed's items get the text of the pages
        they link to (those ``wants_page`` accepts: not those whose page is stored already).
        ``field_map`` is ``--map``'s, for the files' records."""
        for file, root in files:
            item = Input(read_file(file, root, field_map), file=file, fmt=format_for(file.suffix))
            if follow and is_feed(item.fmt):
                self.follow(item, wants_page)
            yield item
        for url in urls:
            item = self.read_url(url)
            if follow and is_feed(item.fmt):
                self.follow(item, wants_page)
            yield item

    def read_url(self, url: str) -> Input:
        """The articles at a URL, read by the loader of its content type; never raises for a bad
        response or bad content: the reason is in ``failures``."""
        shown = redact_url(url) or url
        try:
            download = self.fetch(url)
        except LoadError as exc:
            return Input([Failure(shown, str(exc))])
        # stored as read: the URL after redirects (the page loader takes it for the page's address)
        source = Source(download.path, download.url, redact_url(download.url) or download.url, shown)
        try:  # read whole (within fetch_max_mb): the file is gone once this returns
            items = [item if isinstance(item, Failure) else self.settle(item, download)
                     for item in read_source(download.fmt, source)]
        finally:
            download.path.unlink(missing_ok=True)
        return Input(items, fmt=download.fmt)

    @staticmethod
    def settle(article: Article, download: Download) -> Article:
        """An article read from a URL, with its own URL: a page's is its canonical URL when the page
        gives one on the same site (another site's would let a page replace that site's article), else
        the URL after redirects; an article the loader found no URL for gets the URL read."""
        final = download.url
        if download.fmt.name == PAGE_FORMAT:
            canonical = urljoin(final, article.url) if article.url else final
            if not _HTTP.match(canonical) or site(canonical) != site(final):
                canonical = final
            return replace(article, url=canonical, doc_id=canonical)
        if not article.url and article.doc_id == final:
            return replace(article, url=final)
        return article

    def fetch(self, url: str) -> Download:
        """GET ``url`` into a temporary file, within the settings' limits; a ``LoadError`` with the
        reason when the response is refused."""
        if not _HTTP.match(url):
            raise LoadError("only http:// and https:// URLs are read")
        s = self.settings
        limit = int(s.fetch_max_mb * 2**20)
        too_large = f"the response is over the {s.fetch_max_mb:g} MiB limit (the fetch_max_mb setting)"
        deadline = time.monotonic() + s.fetch_total_timeout
        try:
            with self.client.stream("GET", url) as response:
                if not response.is_success:
                    raise LoadError(f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
                final = str(response.url)
                content_type = response.headers.get("content-type", "")
                if format_for_content_type(content_type) is None and media_type(content_type) not in GENERIC_TYPES:
                    raise LoadError(unsupported(content_type))  # before its body is read
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise LoadError(too_large)
                first = b""
                with tempfile.NamedTemporaryFile(dir=self._scratch, delete=False) as out:
                    path = Path(out.name)
                    try:
                        size = 0
                        for piece in response.iter_bytes():
                            size += len(piece)
                            if size > limit:
                                raise LoadError(too_large)
                            if time.monotonic() > deadline:
                                raise LoadError(f"timed out: took over {s.fetch_total_timeout:g} s in all")
                            first = first or piece[:4096]
                            out.write(piece)
                    except BaseException:
                        path.unlink(missing_ok=True)
                        raise
        except httpx.HTTPError as exc:
            raise LoadError(http_failure(exc, s)) from None
        except httpx.InvalidURL as exc:
            raise LoadError(f"not a valid URL: {exc}") from None
        try:
            fmt = response_format(content_type, final, first)
        except LoadError:
            path.unlink(missing_ok=True)
            raise
        # named as a file of its format would be (a loader may read the suffix: .md is Markdown)
        suffix = PurePosixPath(urlsplit(final).path).suffix.lower()
        path = path.rename(path.with_suffix(suffix if suffix in fmt.suffixes else fmt.suffixes[0]))
        return Download(final, fmt, in_utf8(path, content_type))

    def follow(self, item: Input, wants_page: Callable[[Article], bool]) -> None:
        """Replace each feed item's summary with the full text of the page it links to. Items whose
        page is stored already are left out (counted in ``known_pages``); a page that cannot be read
        leaves its item as the feed gives it, with a warning."""
        self.client  # made before the threads share it
        plan = []  # (item, whether its page is read), in the feed's order
        for article in item.items:
            linked = isinstance(article, Article) and bool(_HTTP.match(article.url))
            if linked and not wants_page(article):
                item.known_pages += 1
            else:
                plan.append((article, linked))
        with ThreadPoolExecutor(FOLLOW_WORKERS) as pool:
            pages = list(pool.map(lambda step: self.page(step[0].url) if step[1] else None, plan))
        item.items = []
        for (article, _), page in zip(plan, pages):
            if isinstance(page, Failure):
                item.warnings.append(Failure(page.path, f"{page.reason}; kept the feed's summary"))
            elif page is not None:
                article = replace(
                    article, text=page.text, url=page.url, path=redact_url(article.url) or article.url,
                    author=article.author or page.author, published_at=article.published_at or page.published_at,
                    category=article.category or page.category,
                )
            item.items.append(article)

    def page(self, url: str) -> Article | Failure:
        """The one article of a page a feed item links to, or why there is none."""
        read = self.read_url(url)
        articles = list(read.articles())
        if articles and not is_feed(read.fmt):
            return articles[0]
        reason = read.failures[0].reason if read.failures else "a feed or a list of articles, not an article page"
        return Failure(redact_url(url) or url, reason)


def is_feed(fmt: Format | None) -> bool:
    return fmt is not None and fmt.name == FEED_FORMAT


def response_format(content_type: str, url: str, first: bytes) -> Format:
    """The format that reads a response: the one its content type is registered to; for a type that
    says only "XML" (or nothing), the one the URL's suffix is registered to, or the feed format when
    the body opens as a feed. Anything else (an image, ``application/octet-stream``) is refused."""
    fmt = format_for_content_type(content_type)
    media = media_type(content_type)
    if fmt is None and media in GENERIC_TYPES:
        suffix = PurePosixPath(urlsplit(url).path).suffix
        fmt = (format_for(suffix) if suffix else None) or (REGISTRY.formats.get(FEED_FORMAT) if _FEED_ROOT.search(first) else None)
    if fmt is None:
        raise LoadError(unsupported(content_type))
    return fmt


def unsupported(content_type: str) -> str:
    return f"unsupported content type {media_type(content_type) or '(none)'!r}: not an article page or feed"


def in_utf8(path: Path, content_type: str) -> Path:
    """The body re-encoded as UTF-8 when the response names another charset and the body is not
    UTF-8 already (the loaders read UTF-8, or the charset a page itself declares)."""
    charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    if charset is None or charset.group(1).lower().replace("_", "-") in ("utf-8", "utf8"):
        return path
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
        return path
    except UnicodeDecodeError:
        pass
    try:
        path.write_text(raw.decode(charset.group(1)), encoding="utf-8")
    except (LookupError, UnicodeDecodeError):
        pass  # left as it came: the loader says what is wrong with it
    return path


def http_failure(exc: httpx.HTTPError, settings: ArchiveSettings) -> str:
    """One line for a request that failed."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting (after {settings.fetch_timeout:g} s)"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out waiting for the response (after {settings.fetch_timeout:g} s)"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects (over {settings.fetch_max_redirects})"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "redirected to a URL that is not http:// or https://"
    reason = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {reason}"
    return f"{type(exc).__name__}: {reason}"
