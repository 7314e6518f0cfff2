"""Reading the blog's old posts back into digests: every layout its generator ever wrote.

Posts written by an LLM over the years vary: spaced or compact, `-` or `•` bullets,
Benefits and Ramifications as a paragraph or as points, and several shapes of the
predictions section (date in parentheses after the event, on a sub-bullet, ranges,
months). The parser reads them line by line and is lenient inside a section; a post
without front matter or topics is an error naming the line. Text is kept as written
(old mojibake included), with our own markdown escapes undone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from digestbot.blog.hugo import unescape_markdown
from digestbot.core.errors import PostError
from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Coverage,
    Digest,
    DigestMode,
    Prediction,
    SourcePost,
    Topic,
    Trending,
)
from digestbot.core.text import one_line

IMPORTED_SOURCE = "imported"

_TOPIC = re.compile(r"^\s*\d+\.\s+\*\*(.+)\*\*\s*$")
_LABEL = re.compile(
    r"^\s*(?:[-•*]\s+)?[*_]{1,2}(benefits|ramifications)\s*:?\s*[*_]{1,2}\s*:?\s*(.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*[-•*]\s+(.*)$")
# Lines digestbot writes under a topic besides its analysis (blog/hugo.py).
_UPDATE = re.compile(
    r"^\s+\*Update, first covered on \[?(\d{4}-\d\d-\d\d)\]?(?:\(<[^>]*>\))?\.\*\s*$"
)
_UNVERIFIED = re.compile(r"^\s+\*Unverified: .*\*\s*$")
_QUOTES = re.compile(r"^\s+- \*From the source:\* (.*)$")
_SOURCES = re.compile(r"^\s+- \*Sources:\* ")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# A prediction starts with its event in bold: "- **AGI** ...", "1. **AGI:** ...", "**AGI**".
_PREDICTION_START = re.compile(r"^\s?(?:[-•*]\s+|\d+\.\s+|(?=\*\*))(.*)$")
# A date in parentheses, which may hold one more pair: "(2030)", "(2035 (October))".
_DATE_IN_PARENS = re.compile(r"\(((?:[^()]|\([^()]*\))*?\d(?:[^()]|\([^()]*\))*)\)")
_DATE_BOLD = re.compile(r"^(?:by)?\s*\*\*([^*]*\d{4}[^*]*)\*\*[\s.:–-]*(.*)$", re.IGNORECASE)
_DATE_ALONE = re.compile(r"^[^.:]{0,25}\d{4}[^.:]{0,10}$")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_YEAR_PHRASE = re.compile(
    rf"(?:\b(?:before|after|by|around|in|circa)\s+)?(?:\b(?:{_MONTHS})\s+)?"
    r"\b(?:19|20|21)\d{2}s?(?:\s*[-–]\s*(?:19|20|21)?\d{2}s?)?\b",
    re.IGNORECASE,
)
_DATE_FIRST = re.compile(r"^([^:]{0,40}?\d{4}[^:]{0,20}):\s*(.*)$")


@dataclass(frozen=True, slots=True)
class ImportedPost:
    digest: Digest
    front_matter: dict[str, Any]
    warnings: tuple[str, ...]  # parts left out, each with its line


def _value(raw: str) -> Any:
    raw = raw.strip()
    if raw in ("true", "false"):
        return raw == "true"
    if raw.startswith(('"', "[")):
        try:
            return json.loads(raw)
        except ValueError:
            return raw.strip('"')
    return raw


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """The front matter's keys (a map one level deep) and the line index after it."""
    if not lines or lines[0].strip() != "---":
        raise PostError(1, "no front matter: a post starts with a '---' line")
    data: dict[str, Any] = {}
    parent: dict[str, Any] | None = None
    for index in range(1, len(lines)):
        line = lines[index]
        if line.strip() == "---":
            return data, index + 1
        if not line.strip():
            continue
        key, sep, raw = line.strip().partition(":")
        if not sep:
            raise PostError(index + 1, f"front matter line without 'key:' ({line.strip()[:40]})")
        if line[0].isspace() and parent is not None:
            parent[key] = _value(raw)
        elif raw.strip():
            data[key], parent = _value(raw), None
        else:
            data[key] = parent = {}
    raise PostError(len(lines), "the front matter has no closing '---'")


def _sections(lines: list[str], start: int) -> dict[str, list[tuple[int, str]]]:
    """Body lines by section ("topics", "trending", "predictions"), with line numbers."""
    sections: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for index in range(start, len(lines)):
        line = lines[index]
        if line.startswith("## "):
            heading = line[3:].lower()
            kind = (
                "topics" if "consequences" in heading
                else "trending" if "trending" in heading
                else "predictions" if "predict" in heading
                else None
            )  # fmt: skip
            current = sections.setdefault(kind, []) if kind else None
        elif current is not None:
            current.append((index + 1, line))
    return sections


def _text(parts: list[str], points: list[str]) -> str:
    """A paragraph, or points one per line (the exporter writes those as a list)."""
    paragraph = one_line(" ".join(parts))
    if not points:
        return unescape_markdown(paragraph)
    items = ([paragraph] if paragraph else []) + points
    return "\n".join(unescape_markdown(one_line(item)) for item in items)


def _topics(section: list[tuple[int, str]], day: str) -> list[Topic]:
    topics: list[Topic] = []
    title = ""
    fields: dict[str, tuple[list[str], list[str]]] = {}
    label: str | None = None
    own: dict[str, Any] = {}  # what digestbot wrote besides the analysis

    def close() -> None:
        if not title:
            return
        benefits, ramifications = (
            _text(*fields.get(k, ([], []))) for k in ("benefits", "ramifications")
        )
        number = len(topics)
        topics.append(
            Topic(
                post=SourcePost(
                    id=f"{IMPORTED_SOURCE}:{day}:{number}",
                    source=IMPORTED_SOURCE,
                    title=title,
                    url="",
                    created_utc=datetime.fromisoformat(f"{day}T00:00:00+00:00"),
                ),
                title=title,
                analysis=_analysis(benefits, ramifications, own),
                update_of=Coverage(own["update"], "") if "update" in own else None,
            )
        )

    for _, line in section:
        if match := _TOPIC.match(line):
            close()
            title, fields, label, own = unescape_markdown(one_line(match[1])), {}, None, {}
        elif match := _UPDATE.match(line):
            own["update"] = date.fromisoformat(match[1])
        elif _UNVERIFIED.match(line):
            own["verified"] = False
        elif match := _QUOTES.match(line):
            quoted = (q.strip().removeprefix("“").removesuffix("”") for q in match[1].split(" · "))
            own["quotes"] = tuple(unescape_markdown(q) for q in quoted if q)
        elif _SOURCES.match(line):
            continue
        elif match := _LABEL.match(line):
            label = match[1].lower()
            fields[label] = ([match[2]] if match[2].strip() else [], [])
        elif label and line.strip() and line[:1].isspace():
            parts, points = fields[label]
            if bullet := _BULLET.match(line):
                points.append(bullet[1])
            else:
                parts.append(line.strip())
        elif line.strip() and not line[:1].isspace():
            label = None  # an aside such as "(Note: ...)" after the topics: not content
    close()
    return topics


def _analysis(benefits: str, ramifications: str, own: dict[str, Any]) -> Analysis:
    """The analysis as written; shown quotes without the Unverified label were verified,
    and without quotes shown it is not known (None)."""
    if not (benefits or ramifications):
        return Analysis(AnalysisStatus.SKIPPED)
    quotes = own.get("quotes", ())
    verified = own.get("verified", True if quotes else None)
    return Analysis(AnalysisStatus.OK, benefits, ramifications, quotes=quotes, verified=verified)


def _trending(section: list[tuple[int, str]], day: str) -> list[Trending]:
    titles = [
        unescape_markdown(one_line(m[1])) for _, line in section if (m := _BULLET.match(line))
    ]
    return [Trending(f"{IMPORTED_SOURCE}:{day}:t{i}", t, "") for i, t in enumerate(titles) if t]


def _predictions(section: list[tuple[int, str]], warnings: list[str]) -> list[Prediction]:
    items: list[tuple[int, str, list[str]]] = []  # line, head, continuation lines
    for number, line in section:
        indent = len(line) - len(line.lstrip())
        if indent <= 1 and "**" in line and (start := _PREDICTION_START.match(line)):
            items.append((number, start[1].strip(), []))
        elif items and line.strip():
            items[-1][2].append(_BULLET.sub(r"\1", line).strip())
    predictions = []
    for number, head, rest in items:
        bold = _BOLD.search(head)
        predicted, rationale, rest = _date(
            bold[1] if bold else "", head[bold.end() :] if bold else "", rest
        )
        if not bold or not predicted:
            warnings.append(f"line {number}: a prediction without an event or a date, left out")
            continue
        text = one_line(" ".join([rationale, *rest]))
        predictions.append(
            Prediction(
                unescape_markdown(one_line(bold[1]).strip(" *-:")),
                unescape_markdown(predicted),
                unescape_markdown(text),
            )
        )
    return predictions


def _date(event: str, after: str, rest: list[str]) -> tuple[str, str, list[str]]:
    """The predicted date, the rationale on the head line, and the lines left, in every
    shape seen: "(2030): why", "... by **May 2030**. why", a sub-bullet "2030: why",
    a sub-bullet "By **2050** - why", a sub-bullet holding just the date, or a year
    somewhere in the words."""
    # Whichever comes first: "(2030)" or "**May 2030**"; a later one is in the rationale.
    bold = re.search(r"\*\*([^*]*\d{4}[^*]*)\*\*[\s.:–-]*(.*)$", after)
    date = _DATE_IN_PARENS.search(after)
    if date and not (bold and bold.start() < date.start()):
        return date[1].strip(), after[date.end() :].lstrip(" :.–-"), rest
    if bold:
        return bold[1].strip(), bold[2], rest
    if rest:
        for shape in (_DATE_FIRST, _DATE_BOLD):
            if date := shape.match(rest[0]):
                return date[1].strip(), date[2], rest[1:]
        if _DATE_ALONE.match(rest[0]):
            return rest[0].strip(), "", rest[1:]
    # Free prose: the first year mentioned (in the event's own words, else in the text)
    # is the prediction, and all the text is the rationale.
    text = one_line(" ".join([after.lstrip(" :"), *rest]))
    if year := _YEAR_PHRASE.search(event) or _YEAR_PHRASE.search(text):
        return year[0].strip(), text, []
    return "", "", rest


def parse_post(text: str) -> ImportedPost:
    """A post of the blog, in any of its layouts, as a digest marked as imported."""
    lines = text.splitlines()
    front, body_start = _front_matter(lines)
    try:
        generated_at = datetime.fromisoformat(str(front["date"]).replace("Z", "+00:00"))
    except (KeyError, ValueError) as exc:
        raise PostError(2, f"the front matter has no valid date ({exc})") from exc
    day = generated_at.date().isoformat()
    sections = _sections(lines, body_start)
    if "topics" not in sections:
        raise PostError(body_start + 1, "no '## Possible consequences' section")
    topics = _topics(sections["topics"], day)
    if not topics:
        first = sections["topics"][0][0] if sections["topics"] else body_start + 1
        raise PostError(first, "no numbered topic ('1. **Title**') in the topics section")
    warnings: list[str] = []
    tags = front.get("tags") if isinstance(front.get("tags"), list) else []
    return ImportedPost(
        Digest(
            day=generated_at.date(),
            generated_at=generated_at,
            model=str(tags[2]) if len(tags) > 2 else "",
            mode=DigestMode.FULL,
            topics=tuple(topics),
            trending=tuple(_trending(sections.get("trending", []), day)),
            predictions=tuple(_predictions(sections.get("predictions", []), warnings)),
            notes=("imported from the blog",),
        ),
        front,
        tuple(warnings),
    )
