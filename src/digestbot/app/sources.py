"""The kinds of source, each opened from its `[[sources]]` table: the one registry a new
kind joins (its adapter is a module of `digestbot.sources`, imported when opened)."""

from __future__ import annotations

from collections.abc import Callable

from digestbot.app.modes import uses_reddit_api
from digestbot.config.loader import Config
from digestbot.config.sources import SourceSettings, sources_in_force
from digestbot.core.collect import NamedSource
from digestbot.core.ports import Source


def _reddit(s: SourceSettings, config: Config) -> Source:
    """The API with client credentials, else the public RSS feeds."""
    secrets, r = config.secrets, config.settings.reddit
    if uses_reddit_api(config):
        from digestbot.sources.reddit import RedditOptions, RedditSource

        assert secrets.reddit_client_id and secrets.reddit_client_secret
        return RedditSource(
            RedditOptions(
                name=s.shown_name,
                subreddit=s.subreddit,
                listing=s.chosen_listing,
                client_id=secrets.reddit_client_id.get_secret_value(),
                client_secret=secrets.reddit_client_secret.get_secret_value(),
                user_agent=s.user_agent,
                fetch_limit=s.fetch_limit,
                oauth_url=s.api_url or r.oauth_url,
                reddit_url=s.api_url or r.reddit_url,
                timeout_seconds=s.timeout_seconds,
            )
        )
    from digestbot.sources.feeds import FeedOptions, FeedSource

    base = s.api_url or r.reddit_url
    return FeedSource(
        FeedOptions(
            s.shown_name, s.subreddit, s.chosen_listing, base, s.user_agent, s.timeout_seconds
        )
    )


def _feed(s: SourceSettings, config: Config) -> Source:
    from digestbot.sources.web_feed import WebFeedOptions, WebFeedSource

    return WebFeedSource(
        WebFeedOptions(s.shown_name, s.url, s.fetch_limit, s.user_agent, s.timeout_seconds)
    )


def _arxiv(s: SourceSettings, config: Config) -> Source:
    from digestbot.sources.arxiv import API_URL, ArxivOptions, ArxivSource

    return ArxivSource(
        ArxivOptions(
            s.shown_name,
            s.category,
            s.fetch_limit,
            s.user_agent,
            s.timeout_seconds,
            api_url=s.api_url or API_URL,
        )
    )


def _hackernews(s: SourceSettings, config: Config) -> Source:
    from digestbot.sources.hackernews import API_URL, HackerNewsOptions, HackerNewsSource

    return HackerNewsSource(
        HackerNewsOptions(
            s.shown_name,
            s.chosen_listing,
            s.api_url or API_URL,
            s.fetch_limit,
            s.user_agent,
            s.timeout_seconds,
        )
    )


KINDS: dict[str, Callable[[SourceSettings, Config], Source]] = {
    "reddit": _reddit,
    "feed": _feed,
    "arxiv": _arxiv,
    "hackernews": _hackernews,
}


def open_sources(config: Config) -> list[NamedSource]:
    """Every source in force, ready to fetch, in the order the settings list them."""
    from digestbot.sources.retry import ATTEMPTS, RETRY_AFTER_CAP

    return [
        NamedSource(
            s.shown_name,
            s.role,
            KINDS[s.kind](s, config),
            # every try of its own, and the longest waits between them a server may ask
            seconds=(ATTEMPTS + 1) * s.timeout_seconds + (ATTEMPTS - 1) * RETRY_AFTER_CAP,
        )
        for s in sources_in_force(config.settings)
    ]
