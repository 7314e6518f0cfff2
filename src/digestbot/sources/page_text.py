"""A web page's title and main text, as plain text: trafilatura, and arXiv's abstract.

trafilatura finds an article's text among a page's navigation, asides and footer. On
an arXiv abstract page it keeps the abstract but also the page's chrome around it (the
subject line, "View PDF", the arXivLabs blurb), so the text would open with "Computer
Science > Machine Learning". A page shaped like arXiv's (a `blockquote.abstract`) is
read for its abstract instead, from the `citation_abstract` meta tag or the block.

Blocking and CPU-bound (a 3 MB page takes about two seconds): run it in a thread.
"""

from __future__ import annotations

import logging
from typing import Any

from digestbot.core.text import one_line

MAX_TEXT_CHARS = 100_000  # more than any prompt takes; a huge page is not stored whole
_ABSTRACT_BLOCK = '//blockquote[contains(concat(" ", normalize-space(@class), " "), " abstract ")]'


def page_text(page: bytes | str, url: str) -> tuple[str, str]:
    """(title, main text) of an HTML page; the text is "" when the page has none.

    Paragraphs are kept apart by newlines; a first line repeating the title is left out.
    """
    import trafilatura  # heavy: only a run that reads articles pays for it

    _quiet_trafilatura()
    tree = trafilatura.load_html(page)
    if tree is None:
        return "", ""
    abstract = _abstract(tree)
    if abstract:
        title = _meta(tree, "citation_title") or tree.findtext(".//title") or ""
        return one_line(title), _capped(abstract)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, favor_precision=True
    )
    title = one_line(getattr(document, "title", None) or "")
    text = getattr(document, "text", None) or _meta(tree, "citation_abstract")
    lines = [line for line in (one_line(line) for line in text.splitlines()) if line]
    if lines and title and lines[0] == title:
        lines = lines[1:]
    return title, _capped("\n".join(lines))


def _quiet_trafilatura() -> None:
    """trafilatura logs ERROR for an empty or broken page: a web page's fault, said in
    its Article's error. Its lines are shown only with -v."""
    logger = logging.getLogger("trafilatura")
    if logger.level == logging.NOTSET and not logging.getLogger().isEnabledFor(logging.DEBUG):
        logger.setLevel(logging.CRITICAL)


def _abstract(tree: Any) -> str:
    """The abstract of a page shaped like arXiv's abstract page, else ""."""
    blocks = tree.xpath(_ABSTRACT_BLOCK)
    if not blocks:
        return ""
    meta = _meta(tree, "citation_abstract")
    if meta:
        return one_line(meta)
    block = blocks[0]
    for descriptor in block.xpath('.//span[contains(@class, "descriptor")]'):
        descriptor.drop_tree()  # "Abstract:"
    return one_line(block.text_content())


def _meta(tree: Any, name: str) -> str:
    return str(tree.xpath(f'string(//meta[@name="{name}"]/@content)')).strip()


def _capped(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    return text[:MAX_TEXT_CHARS].rsplit(" ", 1)[0]
