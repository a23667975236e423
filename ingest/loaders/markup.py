"""HTML read as data: the page parser (headline candidates, meta tags and JSON-LD for a page's
metadata; visible text with the site's chrome left out), the text of an HTML fragment (a feed item's
content), and an article's JSON-LD. A page's story itself is trafilatura's (``html_pages``)."""

from __future__ import annotations

import json
from html.parser import HTMLParser


class HTMLText(HTMLParser):
    """Collects headline candidates, metadata and visible text, with paragraph breaks at block elements.

    Text inside ``SKIP`` elements is dropped, and so is a site's ``<header>`` (an article's own
    holds its headline and byline).
    """

    SKIP = {"script", "style", "noscript", "iframe", "template", "svg", "nav", "footer", "aside", "form", "button", "object"}
    # Elements without content or end tag: they open nothing, so they must not start a skipped stretch.
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
    BLOCK = {"p", "div", "br", "hr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "main",
             "blockquote", "tr", "header", "figcaption", "pre", "ul", "ol", "table"}
    META = {
        "og:title": "title", "og:url": "url", "og:site_name": "source", "author": "author",
        "article:published_time": "published_at", "article:section": "category",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # the open elements that matter here: (tag, inside a skipped element, inside an article)
        self.open: list[tuple[str, bool, bool]] = []
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.in_title = False
        self.meta: dict[str, str] = {}
        self.linked_data: list[str] = []
        self.json_ld: list[str] | None = None  # the text of the JSON-LD script being read
        self.h1: list[str] = []
        self.h1_seen = 0
        self.in_h1 = False

    @property
    def skipping(self) -> bool:
        return self.open[-1][1] if self.open else False

    @property
    def in_article(self) -> bool:
        return self.open[-1][2] if self.open else False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key in self.META and values.get("content"):
                self.meta.setdefault(self.META[key], values["content"] or "")
        if tag in self.BLOCK and not self.skipping:
            self.emit("\n\n")
        if tag in self.VOID:
            return
        if tag == "script" and (values.get("type") or "").lower() == "application/ld+json":
            self.json_ld = []
        if tag == "title" and not self.skipping:  # an <svg>'s <title> names an icon, not the page
            self.in_title = True
        if tag == "h1" and not self.skipping:
            self.h1_seen += 1
            self.in_h1 = True
        if tag in self.SKIP or tag in ("header", "article"):
            # a site's <header> is chrome; an article's own holds its headline and byline
            skip = self.skipping or tag in self.SKIP or (tag == "header" and not self.in_article)
            self.open.append((tag, skip, self.in_article or (tag == "article" and not skip)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.json_ld is not None:
            self.linked_data.append("".join(self.json_ld))
            self.json_ld = None
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        tags = [entry[0] for entry in self.open]
        if tag in tags:  # closes what was left open inside it too, as a browser does
            del self.open[len(tags) - 1 - tags[::-1].index(tag) :]
        if tag in self.BLOCK and not self.skipping:
            self.emit("\n\n")

    def handle_data(self, data: str) -> None:
        if self.json_ld is not None:
            self.json_ld.append(data)
        elif self.in_title:
            self.title_parts.append(data)
        elif not self.skipping:
            self.emit(data)
            if self.in_h1 and self.h1_seen == 1:
                self.h1.append(data)

    def emit(self, text: str) -> None:
        """Visible text."""
        self.parts.append(text)


def html_text(fragment: str) -> str:
    """The readable text of an HTML fragment (a feed item's ``content_html``), scripts and styles left out."""
    parser = HTMLText()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


# schema.org types whose JSON-LD describes the page's article (a tuple: an "@type" may be any JSON)
ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting")


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def json_ld_article(scripts: list[str]) -> dict:
    """The first article object in a page's JSON-LD scripts: one object, a list of them, or the
    members of an ``@graph``; an empty dict when there is none or the JSON is broken (it is only
    metadata: the page's text still loads)."""
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        items = _as_list(data)
        graph = [node for item in items if isinstance(item, dict) for node in _as_list(item.get("@graph"))]
        for item in items + graph:
            if isinstance(item, dict) and any(kind in ARTICLE_TYPES for kind in _as_list(item.get("@type"))):
                return item
    return {}


def json_ld_name(value: object) -> str:
    """A publisher or author as text: a name, an object's ``name``, or a list of them joined."""
    names = []
    for item in _as_list(value):
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return ", ".join(names)


def json_ld_fields(article: dict) -> dict[str, str]:
    """The article fields a JSON-LD article object gives (headline, datePublished, publisher, author, url)."""
    fields = {
        "title": article.get("headline"), "published_at": article.get("datePublished"), "url": article.get("url"),
        "source": json_ld_name(article.get("publisher")), "author": json_ld_name(article.get("author")),
    }
    return {name: value for name, value in fields.items() if isinstance(value, str) and value.strip()}
