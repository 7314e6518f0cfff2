"""The digest as a Hugo post, in the blog's canonical layout, and its atomic writer.

All text from sources and the LLM is untrusted: it is folded to one line and escaped
so that it reads as the same characters and can never open front matter, HTML, a
shortcode, a link or emphasis of its own.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digestbot.core.excerpt import NO_TEXT, source_excerpt
from digestbot.core.headlines import UNVERIFIED, is_unverified, quiet_day, source_links
from digestbot.core.models import AnalysisStatus, Digest, DigestMode, Topic
from digestbot.core.ports import Published
from digestbot.core.text import one_line, safe_url

SECTION_TOPICS = "Possible consequences of current developments"
SECTION_TRENDING = "Currently trending topics"
SECTION_PREDICTIONS = "GPT predicts future events"
EXCERPT_CHARS = 400


@dataclass(frozen=True, slots=True)
class HugoStyle:
    """Front matter values and fixed text; the defaults are the blog's own."""

    title: str
    author: str
    tags: tuple[str, ...]  # the model's name is added as the last tag
    draft: bool
    show_toc: bool
    toc_open: bool
    show_reading_time: bool
    show_word_count: bool
    cover_image: str
    cover_alt: str
    cover_hidden: bool
    notice: str
    link_sources: bool = False  # name and link each topic's source, article, other posts
    show_quotes: bool = False  # show each topic's quotes from its source

    @classmethod
    def of(cls, blog: dict[str, Any]) -> HugoStyle:
        """The style the `[blog]` settings (as a dict) describe; the blog's address is not
        the post's business (links come with the digest, core/links.py)."""
        style = {k: v for k, v in blog.items() if k != "site_url"}
        return cls(**style | {"tags": tuple(blog["tags"])})


# Inline characters that could open markup anywhere in a line: code, emphasis,
# links, strikethrough, and the escape character itself. HTML-significant characters
# and braces (Hugo shortcodes open with "{{<" or "{{%") become character references.
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]~])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_REFERENCES = str.maketrans({"<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;"})
# At the start of a paragraph these would turn it into a heading, list, quote or rule.
_BLOCK_START = re.compile(r"^(?:[#=+-]|\d+[.)])")
# What Hugo's typographer would turn into curly quotes, dashes and ellipses.
_TYPOGRAPHY = re.compile(r"""(["']|-(?=-)|(?<=-)-|\.(?=\.)|(?<=\.)\.)""")


def escape_markdown(text: str, *, verbatim: bool = False) -> str:
    """Untrusted text as one line of inline markdown that cannot open markup of its own.

    `verbatim` also keeps Hugo's typographer off it (quotes, dashes, ellipses), for
    text that is quoted rather than written by us: titles and event names.
    """
    line = _ENTITY_LIKE.sub("&amp;", one_line(text))
    line = line.translate(_REFERENCES)
    line = _INLINE_MARKUP.sub(r"\\\1", line)
    if verbatim:
        line = _TYPOGRAPHY.sub(r"\\\1", line)
    return _BLOCK_START.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], line)


_BACKSLASHED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation


def unescape_markdown(text: str) -> str:
    """The text that escape_markdown() was given: backslashes first, then references."""
    return html.unescape(_BACKSLASHED.sub(r"\1", text))


def link_destination(url: str) -> str:
    """A markdown link destination that cannot escape its brackets; non-web links are dropped."""
    return f"<{safe_url(url) or ''}>"


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar. JSON's string syntax is a subset of YAML's."""
    return json.dumps(one_line(value), ensure_ascii=False)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def render_front_matter(digest: Digest, style: HugoStyle) -> str:
    tags = [*style.tags, digest.model] if digest.model else list(style.tags)
    moment = digest.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return "\n".join(
        [
            "---",
            f"title: {yaml_string(style.title)}",
            f"date: {moment}",
            f"draft: {_bool(style.draft)}",
            f"author: {yaml_string(style.author)}",
            f"tags: [{', '.join(yaml_string(t) for t in tags)}]",
            f"showToc: {_bool(style.show_toc)}",
            f"tocOpen: {_bool(style.toc_open)}",
            f"showReadingTime: {_bool(style.show_reading_time)}",
            f"showWordCount: {_bool(style.show_word_count)}",
            "cover:",
            f"    image: {yaml_string(style.cover_image)}",
            f"    alt: {yaml_string(style.cover_alt)}",
            f"    hidden: {_bool(style.cover_hidden)}",
            "---",
        ]
    )


def _topic_block(number: int, topic: Topic, style: HugoStyle) -> str:
    lines = [f"{number}. **{escape_markdown(topic.title, verbatim=True)}**", ""]
    if topic.update_of:
        day = topic.update_of.day.isoformat()
        when = f"[{day}]({link_destination(topic.update_of.url)})" if topic.update_of.url else day
        lines += [f"   *Update, first covered on {when}.*", ""]
    analysis = topic.analysis
    if analysis.status is AnalysisStatus.OK:
        lines += [
            "   - *Benefits:*",
            "",
            *_analysis_text(analysis.benefits),
            "",
            "   - *Ramifications:*",
            "",
            *_analysis_text(analysis.ramifications),
        ]
        if style.show_quotes and analysis.quotes:
            quoted = " · ".join(f"“{escape_markdown(q)}”" for q in analysis.quotes)
            lines += ["", f"   - *From the source:* {quoted}"]
        if is_unverified(topic):
            lines += ["", f"   *{escape_markdown(UNVERIFIED)}*"]
    else:
        label = (
            "*From the source:*"
            if analysis.status is AnalysisStatus.SKIPPED
            else "*Analysis unavailable today; from the source:*"
        )
        text = escape_markdown(source_excerpt(topic, EXCERPT_CHARS))
        link = f" [(discussion)]({link_destination(topic.post.url)})" if topic.post.url else ""
        if text or link:
            lines.append(f"   {label} {text or escape_markdown(NO_TEXT)}{link}")
        else:  # an imported topic without analysis or source: as the blog wrote it
            lines.append("   *No analysis in this digest.*")
    if style.link_sources and (links := source_links(topic)):
        listed = " · ".join(
            f"[{escape_markdown(label)}]({link_destination(url)})" for label, url in links
        )
        lines += ["", f"   - *Sources:* {listed}"]
    return "\n".join(lines)


def _analysis_text(text: str) -> list[str]:
    """A paragraph, or (text of several lines, as imported posts have) a list of points."""
    points = [line for line in text.splitlines() if line.strip()]
    if len(points) > 1:
        return [f"     - {escape_markdown(point)}" for point in points]
    return [f"     {escape_markdown(text)}"]


def render_hugo(digest: Digest, style: HugoStyle) -> str:
    """The whole post. Deterministic: the same digest always gives the same bytes."""
    parts = [render_front_matter(digest, style), f"> {one_line(style.notice)}"]
    if digest.mode is DigestMode.HEADLINES:
        reason = escape_markdown(
            one_line(digest.headline_reason) or "no language model was configured for this run"
        )
        parts.append(
            f"\n> *Headline edition:* {reason}, so each"
            " topic carries an excerpt of its source instead of an analysis."
        )
    if quiet := quiet_day(digest):
        parts.append(f"\n> {escape_markdown(quiet)}")
    parts += ["", f"## {SECTION_TOPICS}", ""]
    parts += [_topic_block(i, t, style) + "\n" for i, t in enumerate(digest.topics, start=1)]
    if digest.trending:
        parts += [f"## {SECTION_TRENDING}", ""]
        parts += [f"- {escape_markdown(t.title, verbatim=True)}" for t in digest.trending]
        parts.append("")
    if digest.predictions:
        parts += [f"## {SECTION_PREDICTIONS}", ""]
        parts += [
            f"- **{escape_markdown(p.event, verbatim=True)}** ({escape_markdown(p.predicted)}):"
            f" {escape_markdown(p.rationale)}"
            for p in digest.predictions
        ]
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a reader never sees half a post."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class HugoBlog:
    """Publishes a digest as a post file in the blog's content folder."""

    name = "blog"

    def __init__(self, blog_dir: Path, filename_pattern: str, style: HugoStyle) -> None:
        self._dir = blog_dir
        self._pattern = filename_pattern
        self._style = style

    def path_for(self, digest: Digest) -> Path:
        return self._dir / self._pattern.format(date=digest.day.isoformat())

    def render(self, digest: Digest) -> str:
        return render_hugo(digest, self._style)

    async def publish(self, digest: Digest) -> Published:
        path = self.path_for(digest)
        try:
            await asyncio.to_thread(write_atomically, path, self.render(digest))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return Published(
                f"blog: not written ({path})",
                (f"cannot write the post {path}: {reason}; check storage.blog_dir",),
                delivered=False,
            )
        return Published(str(path))
