"""Search over every digest: topic titles, analyses, quotes and trending titles (SQLite FTS5).

Two indexes hold the same rows, kept in step by triggers (schema `0010_search_substrings`):
`search_index` cuts text into trigrams, so that a word of three characters or more is
found inside longer words ("lora" finds "QLoRA", "c++" and "gpt-4o" are found as
written); `search_words` holds whole words, for a quoted phrase and for a word of one or
two characters ("AI", "o1"), too short for trigrams. Every term must match. A user's
text reaches FTS only as quoted strings: `C++`, an unbalanced quote, `NEAR(`, `*` and
`-` are text.

A row's key is its day's ordinal times KEY plus its place in the digest (see SEARCH_ROWS
in schema.py: topics above TRENDING, trending titles below, in reverse order), so that
the keys in descending order go by day, newest first, then in the digest's order; the
index alone says when a match was last covered, in how many digests, and which are newest,
without reading a row. The default order is the best first: the topics and trending
titles that hold every term in their title, then those that hold them elsewhere, each
newest first; every page is cut in the index before anything is read.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import date

from digestbot.storage.base import Database
from digestbot.storage.schema_steps import SEARCH_FIELDS, SEARCH_ROWS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

KEY = 100_000  # a row's key: day.toordinal() * KEY + its place in the digest
TRENDING = 50_000  # places from here hold topics (99,999 the first), below it trending
SHORT = 3  # a term shorter than this is matched as a whole word
SNIPPET_CHARS = 160
FEW = 200  # matches read whole from the index; more are counted there, and paged

_PHRASE = re.compile(r'"([^"]*)"')
_EDGES = "\"'`.,;:!?*()[]{}<>"  # punctuation around a word, not part of it
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what the word index keeps


def search_terms(query: str) -> list[tuple[str, bool]]:
    """What a query searches for: its quoted phrases and its words, each as (text, whether
    it is a phrase), punctuation around them dropped; a term without a letter or a digit
    searches for nothing (nor does a quote left open: it is punctuation)."""
    phrases = [(" ".join(p.split()).strip(_EDGES), True) for p in _PHRASE.findall(query)]
    words = [
        (w.strip(_EDGES).lstrip("-+").strip(_EDGES), False) for w in _PHRASE.sub(" ", query).split()
    ]
    return [(text, phrase) for text, phrase in phrases + words if _WORD.search(text)]


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class _Query:
    """A query's terms as FTS expressions, and the SQL that finds their rows.

    A word of SHORT characters or more is found inside words, in the trigram index; a
    shorter one, whole, in the word index, where a phrase is found too: its words in
    order, the last one, of SHORT characters or more, as the start of a word ("large
    language model" finds "large language models"; "gpt 4" is not "gpt 40"). A single
    quoted word is thus a word, not a part of one.
    """

    def __init__(self, terms: list[tuple[str, bool]]) -> None:
        inside = [text.lower() for text, phrase in terms if not phrase and len(text) >= SHORT]
        self.patterns = [re.compile(re.escape(text), re.IGNORECASE) for text in inside]
        whole = []
        for text, phrase in terms:
            if phrase or len(text) < SHORT:
                words = _WORD.findall(text.lower())
                prefix = phrase and len(words[-1]) >= SHORT
                whole.append(_quoted(" ".join(words)) + (" *" if prefix else ""))
                pattern = r"(?<!\w)" + r"\W+".join(map(re.escape, words))
                self.patterns.append(re.compile(pattern + ("" if prefix else r"(?!\w)"), re.I))
        # (table, expression) pairs; the first is matched directly, the others by rowid.
        self.parts = [
            (table, " AND ".join(found))
            for table, found in (
                ("search_index", list(map(_quoted, inside))),
                ("search_words", whole),
            )
            if found
        ]

    def where(self, tier: str = "all") -> tuple[str, str, list[str]]:
        """The table to select from, the WHERE clause and its arguments for the rows of
        `tier`: "all" that match, those with every term in the "title", or the "rest"."""
        parts = self.parts
        if tier == "title":
            parts = [(table, f"title : ({e})") for table, e in parts]
        elif tier == "rest" and len(parts) == 1:  # one index: FTS5 takes the titles out
            parts = [(table, f"({e}) NOT (title : ({e}))") for table, e in parts]
        (table, expression), others = parts[0], parts[1:]
        clauses, args = [f"{table} match ?"], [expression]
        for other, e in others:
            clauses.append(f"rowid in (select rowid from {other} where {other} match ?)")
            args.append(e)
        if tier == "rest" and others:
            titled = " intersect ".join(
                f"select rowid from {t} where {t} match ?" for t, _ in parts
            )
            clauses.append(f"rowid not in ({titled})")
            args += [f"title : ({e})" for _, e in parts]
        return table, " and ".join(clauses), args


class Search:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def reindexing(self) -> Iterator[set[date]]:
        """Inside a transaction, for saving many digests at once: the triggers leave the
        indexes alone, and the days added to the set are indexed again at the end, in one
        statement per index (each write of a trigger to FTS5 flushes it: a bulk import
        through them took twice as long, and left the index in many small pieces)."""
        if not self._db.connection.in_transaction:
            raise RuntimeError("reindexing() belongs inside a transaction")
        days: set[date] = set()
        self._db.execute("insert into search_pause (paused) values (1)")
        yield days
        self._db.execute("delete from search_pause")
        if not days:
            return
        for day in sorted(days):  # what was indexed leaves, by the values it went in with
            span = [day.toordinal() * KEY, (day.toordinal() + 1) * KEY - 1]
            self._db.execute(
                f"insert into search_words (search_words, rowid, {SEARCH_FIELDS}) "
                f"select 'delete', rowid, {SEARCH_FIELDS} from search_index "
                "where rowid between ? and ?",
                span,
            )
            self._db.execute("delete from search_index where rowid between ? and ?", span)
        marks = ", ".join("?" * len(days))
        isodays = [day.isoformat() for day in days]
        for table, (key, values, _) in SEARCH_ROWS.items():
            for index in ("search_index", "search_words"):
                self._db.execute(
                    f"insert into {index} (rowid, {SEARCH_FIELDS}) select "
                    f"{key.format(r=table)}, {values.format(r=table)} from {table} "
                    f"where day in ({marks}) order by 1",  # FTS5 flushes at a key going back
                    isodays,
                )

    def find(
        self,
        query: str,
        page: int = 1,
        per_page: int = 10,
        *,
        newest: bool = False,
        post_url: Callable[[date], str] | None = None,
    ) -> dict[str, Any]:
        """One page of what matches every term of `query`, with how many match in all,
        in how many digests, and the last day one was covered. Each result has its day,
        title, kind ("topic" or "trending"), the discussion's `url`, a `snippet` of why
        it matched and its `links`: the day's blog post (by `post_url`), the discussion
        and, for a link post, the article."""
        terms = search_terms(query)
        found: dict[str, Any] = {
            "query": query, "page": page, "pages": 1, "total": 0,
            "last_day": None, "digests": 0, "results": [],
        }  # fmt: skip
        if not terms:
            return found
        q = _Query(terms)
        probe = self._keys(q, "all", FEW + 1, 0)  # all of them, if they are few
        if not probe:
            return found
        offset = (page - 1) * per_page
        if len(probe) <= FEW:  # two reads of the index at most, then it is all here
            total, digests = len(probe), len({key // KEY for key in probe})
            if not newest:
                titled = set(self._keys(q, "title", FEW, 0))
                probe = [k for k in probe if k in titled] + [k for k in probe if k not in titled]
            keys = probe[offset : offset + per_page]
        else:  # counted in the index; the page cut there, from the newest (or best) end
            total, digests = self._summary(q)
            keys = self._page(q, newest, per_page, offset)
        found.update(
            total=total,
            digests=digests,
            last_day=date.fromordinal(max(probe) // KEY),
            pages=-(-total // per_page),
            results=self._results(keys, q, post_url),
        )
        return found

    def _summary(self, q: _Query) -> tuple[int, int]:
        """How many rows match, and in how many digests."""
        table, where, args = q.where()
        row = self._db.one(
            f"select count(*) as total, count(distinct rowid / {KEY}) as digests "
            f"from {table} where {where}",
            args,
        )
        return (row["total"], row["digests"]) if row else (0, 0)

    def _page(self, q: _Query, newest: bool, limit: int, offset: int) -> list[int]:
        if newest:
            return self._keys(q, "all", limit, offset)
        keys = self._keys(q, "title", limit, offset)
        if len(keys) < limit:  # past the titles: how many there are says where
            titled = offset + len(keys) if keys else self._count(q, "title")
            keys += self._keys(q, "rest", limit - len(keys), max(offset - titled, 0))
        return keys

    def _count(self, q: _Query, tier: str) -> int:
        table, where, args = q.where(tier)
        row = self._db.one(f"select count(*) as n from {table} where {where}", args)
        return row["n"] if row else 0

    def _keys(self, q: _Query, tier: str, limit: int, offset: int) -> list[int]:
        table, where, args = q.where(tier)
        rows = self._db.rows(
            f"select rowid as key from {table} where {where} order by rowid desc limit ? offset ?",
            [*args, limit, offset],
        )
        return [row["key"] for row in rows]

    def _results(
        self, keys: list[int], q: _Query, post_url: Callable[[date], str] | None
    ) -> list[dict[str, Any]]:
        """The rows behind `keys`, in their order, with snippets and links."""
        if not keys:
            return []
        places = [(date.fromordinal(key // KEY).isoformat(), key % KEY) for key in keys]
        marks = ", ".join("(?, ?)" for _ in places)
        found = self._db.rows(
            f"with k(day, place) as (values {marks}) "
            "select k.day, k.place, t.title, t.benefits, t.ramifications, t.quotes, "
            "coalesce(p.url, '') as url, coalesce(p.link, '') as link from k "
            f"join digest_topics t on t.day = k.day and t.position = {2 * TRENDING - 1} - k.place "
            f"left join source_posts p on p.id = t.post_id where k.place >= {TRENDING} "
            "union all "
            "select k.day, k.place, r.title, '', '', '', r.url, '' from k "
            f"join digest_trending r on r.day = k.day and r.position = {TRENDING - 1} - k.place "
            f"where k.place < {TRENDING}",
            [value for place in places for value in place],
        )
        rows = {(row["day"], row["place"]): row for row in found}
        results = []
        for row in filter(None, map(rows.get, places)):  # the triggers keep them in step
            day = date.fromisoformat(row["day"])
            texts = [row["benefits"], row["ramifications"], *_quotes(row["quotes"])]
            links = [post_url(day) if post_url else "", row["url"], row["link"]]
            results.append(
                {
                    "day": day,
                    "title": row["title"],
                    "kind": "topic" if row["place"] >= TRENDING else "trending",
                    "url": row["url"],
                    "snippet": snippet(texts, q.patterns),
                    "links": list(dict.fromkeys(u for u in links if u)),
                }
            )
        return results


def _quotes(text: str) -> list[str]:
    try:
        quotes = json.loads(text) if text else []
    except ValueError:
        return []
    return [q for q in quotes if isinstance(q, str)] if isinstance(quotes, list) else []


def snippet(texts: list[str], patterns: list[re.Pattern[str]], limit: int = SNIPPET_CHARS) -> str:
    """Plain text around the first match in `texts`, cut at words, at most `limit`
    characters; the opening of the first text when none matches (the title did)."""
    lines = [" ".join(t.split()) for t in texts if t and t.strip()]
    for line in lines:
        if spans := [m.span() for p in patterns if (m := p.search(line))]:
            return _around(line, *min(spans), limit)
    return _around(lines[0], 0, 0, limit) if lines else ""


def _around(line: str, start: int, end: int, limit: int) -> str:
    """At most `limit` characters of `line` with [start, end) a quarter in, cut between
    words and marked "…" where cut."""
    if len(line) <= limit:
        return line
    room = limit - 2  # for an ellipsis at each end
    begin = max(0, min(start - room // 4, len(line) - room))
    stop = begin + room
    if begin > 0 and (space := line.find(" ", begin, start)) != -1:
        begin = space + 1
    if stop < len(line) and (space := line.rfind(" ", end, stop)) != -1:
        stop = space
    return ("…" if begin else "") + line[begin:stop].strip() + ("…" if stop < len(line) else "")
