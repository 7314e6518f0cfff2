"""Reddit through praw: read-only, client credentials, always off the event loop.

praw is synchronous; each listing is fetched in a worker thread with a Reddit
instance of its own (praw does not promise thread safety across instances' use).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import praw
import prawcore
from praw.exceptions import PRAWException

from digestbot.core.errors import SourceError
from digestbot.core.models import SourcePost

REDDIT_WEB = "https://www.reddit.com"


@dataclass(frozen=True, slots=True)
class RedditOptions:
    client_id: str
    client_secret: str
    user_agent: str
    fetch_limit: int
    oauth_url: str
    reddit_url: str
    timeout_seconds: float


def post_from_reddit(data: dict[str, Any], subreddit: str) -> SourcePost:
    """A listing item's fields (raw_json=1: titles arrive unescaped) as a SourcePost."""
    body = data.get("selftext") or ""
    permalink = data.get("permalink") or ""
    url = REDDIT_WEB + permalink if permalink.startswith("/") else permalink
    link = data.get("url") or ""
    return SourcePost(
        id=str(data["id"]),
        source=f"reddit:{subreddit}",
        title=str(data.get("title") or ""),
        url=url,
        link="" if link == url else link,
        body=body if body not in ("[removed]", "[deleted]") else "",
        score=int(data.get("score") or 0),
        num_comments=int(data.get("num_comments") or 0),
        flair=str(data.get("link_flair_text") or ""),
        created_utc=datetime.fromtimestamp(float(data.get("created_utc") or 0), UTC),
        stickied=bool(data.get("stickied")),
        nsfw=bool(data.get("over_18")),
        removed=bool(data.get("removed_by_category")) or body in ("[removed]", "[deleted]"),
    )


class RedditSource:
    def __init__(self, options: RedditOptions) -> None:
        self._options = options

    def _reddit(self) -> praw.Reddit:
        o = self._options
        return praw.Reddit(
            client_id=o.client_id,
            client_secret=o.client_secret,
            user_agent=o.user_agent,
            oauth_url=o.oauth_url,
            reddit_url=o.reddit_url,
            timeout=int(o.timeout_seconds),
            check_for_updates=False,
        )

    def _listing(self, subreddit: str, listing: str) -> list[SourcePost]:
        sub = self._reddit().subreddit(subreddit)
        limit = self._options.fetch_limit
        try:
            items = (
                sub.top(time_filter="day", limit=limit)
                if listing == "top"
                else getattr(sub, listing)(limit=limit)
            )
            # vars() reads the listing's own fields; attribute access could fetch each post.
            return [post_from_reddit(vars(item), subreddit) for item in items]
        except prawcore.exceptions.OAuthException as exc:
            raise SourceError(f"Reddit refused the client credentials: {exc}") from exc
        except prawcore.exceptions.Redirect as exc:
            raise SourceError(f"r/{subreddit} does not exist") from exc
        except prawcore.exceptions.Forbidden as exc:
            raise SourceError(f"r/{subreddit} is private or banned (403)") from exc
        except prawcore.exceptions.NotFound as exc:
            raise SourceError(f"r/{subreddit} was not found (404)") from exc
        except prawcore.exceptions.TooManyRequests as exc:
            raise SourceError("Reddit is rate limiting this client (429); try later") from exc
        except (prawcore.exceptions.PrawcoreException, PRAWException) as exc:
            raise SourceError(f"Reddit failed for r/{subreddit}: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"Reddit sent a malformed listing for r/{subreddit}") from exc

    async def fetch(self, community: str, listing: str) -> list[SourcePost]:
        return await asyncio.to_thread(self._listing, community, listing)
