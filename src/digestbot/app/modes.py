"""What a run will do with the configuration at hand, in words for a person: a pure
function of the settings and which secrets are set."""

from __future__ import annotations

from digestbot.config.loader import Config
from digestbot.config.sources import sources_in_force


class Modes:
    """A plain class: `config check` starts faster without dataclasses or typing."""

    __slots__ = ("chat", "llm", "source", "uses_llm", "uses_reddit_api")
    # source: how many sources, in words

    def __init__(
        self,
        source: str,
        llm: str,
        uses_reddit_api: bool,
        uses_llm: bool,
        chat: tuple[str, ...],  # where digests are posted, e.g. "discord: 2 channels"
    ) -> None:
        self.source, self.llm, self.chat = source, llm, chat
        self.uses_reddit_api, self.uses_llm = uses_reddit_api, uses_llm


def uses_reddit_api(config: Config) -> bool:
    """Whether Reddit is read through its API: both client credentials are set."""
    secrets = config.secrets
    return bool(secrets.reddit_client_id and secrets.reddit_client_secret)


def modes(config: Config) -> Modes:
    s, secrets = config.settings, config.secrets
    reddit_api = uses_reddit_api(config)
    roles = [source.role for source in sources_in_force(s)]
    source = (
        f"{len(roles)} ({roles.count('topics')} for topics, {roles.count('trending')} trending)"
        + ("" if s.sources else ": the pair [reddit] names (no [[sources]])")
    )
    uses_llm = secrets.openai_api_key is not None
    llm = (
        f"{s.llm.model} at {config.llm_base_url}"
        if uses_llm
        else "none: headline digests (no OPENAI_API_KEY)"
    )
    chat = []
    for platform, token, channels in (
        ("discord", secrets.discord_token, s.discord.channels),
        ("slack", secrets.slack_bot_token, s.slack.channels),
    ):
        if token and channels:
            chat.append(f"{platform}: {len(channels)} channels")
        elif token:
            chat.append(f"{platform}: /digest only (no channels listed)")
        elif channels:
            chat.append(f"{platform}: {len(channels)} channels but no token: not posted")
    if secrets.slack_bot_token:
        needed = {
            "socket": ("SLACK_APP_TOKEN", secrets.slack_app_token),
            "http": ("SLACK_SIGNING_SECRET", secrets.slack_signing_secret),
        }
        name, value = needed[s.slack.mode]
        if value is None:
            chat.append(f"slack: {s.slack.mode} mode needs {name}: `run` leaves Slack out")
    return Modes(source, llm, reddit_api, uses_llm, tuple(chat))
