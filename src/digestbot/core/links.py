"""A digest's addresses on the blog: its own post, and the posts its updates continue.

They are not stored: they follow `blog.site_url` as it is set when the digest is shown,
so imported and older digests get them too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from digestbot.core.models import Digest

PostUrl = Callable[[date], str]  # a day's blog post, or "" when the blog has no address


def no_url(day: date) -> str:
    return ""


def with_links(digest: Digest, post_url: PostUrl) -> Digest:
    """The digest (and its channels' editions) with its blog URL and each update's link
    to the digest it continues."""
    topics = tuple(
        replace(t, update_of=replace(t.update_of, url=post_url(t.update_of.day)))
        if t.update_of
        else t
        for t in digest.topics
    )
    editions = tuple((channel, with_links(e, post_url)) for channel, e in digest.editions)
    return replace(digest, url=post_url(digest.day), topics=topics, editions=editions)
