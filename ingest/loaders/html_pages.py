"""HTML pages (``.html``, ``.htm``): the headline, metadata from meta tags and JSON-LD, and the
story's text: the ``<article>`` when the page has one; scripts, menus, site headers and footers
dropped. A page that is not UTF-8 is read in the charset it declares."""

from __future__ import annotations

from collections.abc import Iterator

from ingest.loaders.decoding import declared_charset, normalise_text, single_line
from ingest.loaders.fields import article_from_record
from ingest.loaders.files import Source
from ingest.loaders.markup import HTMLText, json_ld_article, json_ld_fields
from ingest.loaders.registry import register
from ingest.loaders.results import LoadError
from ingest.types import Article

HTML_SUFFIXES = (".html", ".htm")


def load_html(html: str, doc_id: str, path: str) -> Article:
    """One article from a page. The headline is ``og:title``, else the JSON-LD headline, the first
    ``<h1>``, the ``<title>`` (last, as it often ends in the site's name); meta tags win over JSON-LD
    for the other fields. The body is the longest ``<article>`` (a page may hold teasers as articles
    too), or the page's text when it has none."""
    parser = HTMLText()
    parser.feed(html)
    parser.close()
    fields = {**json_ld_fields(json_ld_article(parser.linked_data)), **parser.meta}
    articles = [normalise_text("".join(parts)) for parts in parser.articles]
    body = max(articles, key=len, default="") or normalise_text("".join(parser.parts))
    headlines = [fields.pop("title", ""), "".join(parser.h1), "".join(parser.title_parts)]
    title = next((headline for headline in map(single_line, headlines) if headline), "")
    # The headline usually opens the body too; keep it out of the stored text.
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()
    record = {"title": title or None, "body": body, **fields}
    if not body:
        raise LoadError("no readable text in the HTML")
    return article_from_record(record, doc_id, path)


@register("html", HTML_SUFFIXES, content_types=("text/html", "application/xhtml+xml"))
def load_html_source(source: Source) -> Iterator[Article]:
    yield load_html(source.text(declared_charset), source.doc_id, source.stored)
