"""Reddit through praw: read-only, client credentials, always off the event loop.

praw is synchronous; each try at a listing runs in a daemon thread of its own with a
Reddit instance of its own (praw does not promise thread safety across instances' use),
and the event loop waits for it at most `timeout_seconds`. A try that runs late is
abandoned, not joined: its thread ends when its socket times out, and neither the loop
nor the process ever waits for it.

prawcore has retries of its own (three tries, sleeps of up to 6 s, a 16 s read timeout
whatever praw is told): with a hanging Reddit they held a run a minute. `_Requestor`
takes them away. It puts our timeout on every request and raises what may pass (429,
5xx, a connection lost or timed out) as `Transient`, which prawcore does not catch, so
the one retry loop is ours (`retry.with_retries`): 401, 403, 404 and malformed bodies
fail at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import praw
import prawcore
import requests
from praw.exceptions import PRAWException

from digestbot.core.errors import SourceError
from digestbot.core.models import SourcePost
from digestbot.sources.retry import Transient, for_status, is_transient, with_retries

REDDIT_WEB = "https://www.reddit.com"
_GONE = ("[removed]", "[deleted]")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RedditOptions:
    name: str  # the source's name: its posts' `source`
    subreddit: str
    listing: str  # "top" (of the day), "hot", "new" or "rising"
    client_id: str
    client_secret: str
    user_agent: str
    fetch_limit: int
    oauth_url: str
    reddit_url: str
    timeout_seconds: float


def post_from_reddit(data: dict[str, Any], source: str) -> SourcePost:
    """A listing item's fields (raw_json=1: titles arrive unescaped) as a SourcePost.

    A crosspost carries no text or link of its own: it takes its parent's."""
    url = _absolute(data.get("permalink"))
    own_body = data.get("selftext") or ""
    parents = data.get("crosspost_parent_list")
    parent = parents[0] if isinstance(parents, list) and parents else None
    origin = parent if isinstance(parent, dict) else data
    body = origin.get("selftext") or ""
    return SourcePost(
        id=str(data["id"]),
        source=source,
        title=str(data.get("title") or ""),
        url=url,
        link=_outbound(origin),
        body=body if body not in _GONE else "",
        score=int(data.get("score") or 0),
        num_comments=int(data.get("num_comments") or 0),
        flair=str(data.get("link_flair_text") or ""),
        created_utc=datetime.fromtimestamp(float(data.get("created_utc") or 0), UTC),
        stickied=bool(data.get("stickied")),
        nsfw=bool(data.get("over_18")),
        removed=bool(data.get("removed_by_category")) or own_body in _GONE,
    )


def _absolute(address: object) -> str:
    text = str(address or "")
    return REDDIT_WEB + text if text.startswith("/") else text


def _outbound(data: dict[str, Any]) -> str:
    """Where a post links, "" when it is a self post: its link is its own discussion."""
    link = _absolute(data.get("url"))
    if data.get("is_self") or link == _absolute(data.get("permalink")):
        return ""
    return link


class _Requestor(prawcore.Requestor):
    """prawcore's requestor with our timeout and without prawcore's retries (see above)."""

    _LOST = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        # prawcore passes its own 16 s default as `timeout`: ours wins.
        try:
            response = super().request(*args, timeout=self.timeout, **kwargs)
        except prawcore.exceptions.RequestException as exc:
            cause = exc.original_exception
            if isinstance(cause, requests.Timeout):
                raise Transient(f"no answer within {self.timeout:g} s") from cause
            if isinstance(cause, self._LOST):
                raise Transient(f"the connection failed ({type(cause).__name__})") from cause
            raise
        if is_transient(response.status_code):
            raise for_status(response.status_code, response.headers.get("Retry-After"))
        if response.status_code == 401:  # not prawcore's way: it would get a token, try again
            raise prawcore.exceptions.InvalidToken(response)
        return response


def _reason(exc: prawcore.exceptions.ResponseException) -> str:
    """Reddit's word for a refusal ("private", "banned", "quarantined"), if it gave one."""
    try:
        reason = exc.response.json().get("reason")
    except (ValueError, AttributeError):
        return ""
    return f", {reason[:40]}" if isinstance(reason, str) and reason.isprintable() else ""


async def _in_thread(function: Callable[[], T], seconds: float) -> T:
    """function() in a daemon thread, awaited at most `seconds` (then abandoned)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # abandoned: the caller stopped waiting
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            outcome: tuple[T | None, BaseException | None] = (function(), None)
        except BaseException as exc:  # handed to the loop, raised there
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="digestbot-reddit", daemon=True).start()
    try:
        async with asyncio.timeout(seconds):
            return await future
    except TimeoutError:
        raise Transient(f"no answer within {seconds:g} s") from None


class RedditSource:
    def __init__(self, options: RedditOptions) -> None:
        self._options = options

    def _listing(self) -> list[SourcePost]:
        o = self._options
        subreddit, listing = o.subreddit, o.listing
        with requests.Session() as http:
            try:
                reddit = praw.Reddit(
                    client_id=o.client_id,
                    client_secret=o.client_secret,
                    user_agent=o.user_agent,
                    oauth_url=o.oauth_url,
                    reddit_url=o.reddit_url,
                    requestor_class=_Requestor,
                    requestor_kwargs={"session": http, "timeout": o.timeout_seconds},
                    check_for_updates=False,
                )
                sub = reddit.subreddit(subreddit)
                items = (
                    sub.top(time_filter="day", limit=o.fetch_limit)
                    if listing == "top"
                    else getattr(sub, listing)(limit=o.fetch_limit)
                )
                # vars() reads the listing's own fields; attribute access could fetch each post.
                return [post_from_reddit(vars(item), o.name) for item in items]
            except prawcore.exceptions.OAuthException as exc:
                raise SourceError(
                    f"Reddit refused the client credentials reading r/{subreddit}: {exc}"
                ) from exc
            except prawcore.exceptions.InvalidToken as exc:
                raise SourceError(
                    f"Reddit refused the client credentials (401) reading r/{subreddit}: "
                    "check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
                ) from exc
            except prawcore.exceptions.Redirect as exc:
                raise SourceError(f"r/{subreddit} does not exist") from exc
            except prawcore.exceptions.Forbidden as exc:
                raise SourceError(
                    f"r/{subreddit} is private or banned (403{_reason(exc)})"
                ) from exc
            except prawcore.exceptions.NotFound as exc:
                raise SourceError(f"r/{subreddit} was not found (404{_reason(exc)})") from exc
            except prawcore.exceptions.BadJSON as exc:
                raise SourceError(
                    f"Reddit failed for r/{subreddit}: its answer is not JSON "
                    "(an outage page, or a proxy's?)"
                ) from exc
            except (prawcore.exceptions.PrawcoreException, PRAWException) as exc:
                raise SourceError(f"Reddit failed for r/{subreddit}: {exc}") from exc
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                raise SourceError(
                    f"Reddit failed for r/{subreddit}: its answer is not a listing"
                ) from exc

    async def fetch(self) -> list[SourcePost]:
        o = self._options
        return await with_retries(
            lambda: _in_thread(self._listing, o.timeout_seconds),
            f"Reddit failed for r/{o.subreddit}",
        )
