"""HTML pages (``.html``, ``.htm``): the story's text by trafilatura (navigation, menus, related
links, cookie banners and footers left out), the headline, and metadata from meta tags and JSON-LD,
with trafilatura's for what they lack (the canonical URL, the site's name, the author, the date
found by htmldate). A page that is not UTF-8 is read in the charset it declares. Nothing is fetched."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import cache

from ingest.loaders.decoding import declared_charset, normalise_text, single_line
from ingest.loaders.fields import article_from_record
from ingest.loaders.files import Source
from ingest.loaders.markup import HTMLText, json_ld_article, json_ld_fields
from ingest.loaders.registry import register
from ingest.loaders.results import LoadError
from ingest.types import Article

HTML_SUFFIXES = (".html", ".htm")
# htmldate reads dates from the page's metadata, time elements and URL only: its extensive search
# would take any year in the text ("a budget for 2025") for the publication date.
DATE_PARAMS = {"extensive_search": False, "original_date": True}
# Void elements of HTML5 that libxml2's HTML parser (under trafilatura) reads as containers: left
# open, they would swallow the story after them. They get an end tag.
_VOID_CONTAINERS = re.compile(r"<(embed|source|track)\b[^>]*>", re.I)


@cache
def extractor():
    """trafilatura's ``bare_extraction`` and its settings, imported on the first page (it takes a
    while); its log of discarded pages is its own business: a page without text fails here anyway."""
    import trafilatura
    from trafilatura.settings import use_config

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    config = use_config()
    config.set("DEFAULT", "extensive_date_search", "off")
    return trafilatura.bare_extraction, config


def main_text(html: str, url: str | None) -> tuple[str, dict[str, str]]:
    """The page's story as text (paragraphs apart), and the metadata trafilatura found."""
    bare_extraction, config = extractor()
    # favor_precision leaves menus and teasers out; fast skips the fallback extractors that take them back in
    document = bare_extraction(_VOID_CONTAINERS.sub(r"\g<0></\1>", html), url=url, fast=True, favor_precision=True,
                               include_comments=False, with_metadata=True, config=config,
                               date_extraction_params=DATE_PARAMS)
    if document is None:
        return "", {}
    fields = {"title": document.title, "url": document.url, "source": document.sitename,
              "author": (document.author or "").replace("; ", ", "), "published_at": document.date}
    return (normalise_text((document.text or "").replace("\n", "\n\n")),
            {name: value for name, value in fields.items() if value and value.strip()})


def load_html(html: str, doc_id: str, path: str, url: str | None = None) -> Article:
    """One article from a page. The headline is ``og:title``, else the JSON-LD headline, else
    trafilatura's (the ``<title>`` without the site's name, or the ``<h1>``); meta tags win over
    JSON-LD, and both over trafilatura, for the other fields. ``url`` is the address the page came
    from, if it came over the web: trafilatura reads a date in it, and it is the article's URL when
    the page names none."""
    parser = HTMLText()
    parser.feed(html)
    parser.close()
    body, found = main_text(html, url)
    if not body:
        raise LoadError("no article text")
    fields = {**found, **json_ld_fields(json_ld_article(parser.linked_data)), **parser.meta}
    headlines = [fields.pop("title", ""), "".join(parser.h1), "".join(parser.title_parts)]
    title = next((headline for headline in map(single_line, headlines) if headline), "")
    # The headline may open the body too; keep it out of the stored text.
    if title and body.startswith(title) and body[len(title) :].strip():
        body = body[len(title) :].lstrip()
    return article_from_record({"title": title or None, "body": body, **fields}, doc_id, path)


@register("html", HTML_SUFFIXES, content_types=("text/html", "application/xhtml+xml"))
def load_html_source(source: Source) -> Iterator[Article]:
    url = source.stored if source.stored.startswith(("http://", "https://")) else None
    yield load_html(source.text(declared_charset), source.doc_id, source.stored, url)
