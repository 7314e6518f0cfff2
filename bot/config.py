"""Settings: secrets from the environment or `.env`, everything else from a TOML file.

Every TOML setting can also be overridden from the environment as
DIGESTBOT_<SECTION>__<KEY> (e.g. DIGESTBOT_LLM__MODEL=llama3.1), which suits
containers and CI. Nothing here runs at import time: `load()` builds it once.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path("digestbot.toml")


class ConfigError(Exception):
    pass


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSettings(_Section):
    database: Path = Path("digestbot.db")
    blog_dir: Path = Path("blog/content/posts")
    post_filename: str = "{date}-ai-auto-summary.md"


class RedditSettings(_Section):
    main_subreddit: str = "MachineLearning"
    trending_subreddit: str = "machinelearningnews"
    trending_listing: Literal["hot", "top", "new", "rising"] = "hot"
    fetch_limit: int = Field(25, ge=1, le=100)
    user_agent: str = "python:digestbot:0.1 (a daily digest bot)"
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    timeout_seconds: float = Field(20, gt=0)


class SelectionSettings(_Section):
    topics: int = Field(5, ge=1, le=25)
    trending_min: int = Field(3, ge=0)
    trending_max: int = Field(5, ge=0)
    trending_lookback_days: int = Field(7, ge=0)
    max_age_hours: float = Field(48, gt=0)
    min_score: int = 0

    @model_validator(mode="after")
    def _trending_range(self) -> SelectionSettings:
        if self.trending_min > self.trending_max:
            raise ValueError("trending_min is larger than trending_max")
        return self


class LLMSettings(_Section):
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    structured_output: Literal["auto", "json_schema", "json_object"] = "auto"
    concurrency: int = Field(6, ge=1, le=64)
    timeout_seconds: float = Field(60, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    temperature: float = Field(0.7, ge=0, le=2)
    max_output_tokens: int = Field(700, ge=64)
    source_budget_tokens: int = Field(1200, ge=50)
    price_input_per_mtok: float = Field(0.15, ge=0)
    price_output_per_mtok: float = Field(0.60, ge=0)


class PredictionSettings(_Section):
    events: list[str] = ["Artificial general intelligence", "Technological singularity"]


class BlogSettings(_Section):
    """Front matter and fixed text of the Hugo post; defaults are the blog's own."""

    title: str = "[Daily Automated AI Summary]"
    author: str = "Blog Agent"
    tags: list[str] = ["daily ai summary", "automated content"]
    draft: bool = False
    show_toc: bool = True
    toc_open: bool = False
    show_reading_time: bool = True
    show_word_count: bool = True
    cover_image: str = (
        "https://user-images.githubusercontent.com/35503959/"
        "230746459-e1513798-69aa-49fb-8c88-990ee42136e9.png"
    )
    cover_alt: str = "singing birds"
    cover_hidden: bool = True
    notice: str = (
        "*Notice:* This post has been automatically generated and does not reflect the views"
        " of the site owner, nor does it claim to be accurate."
    )


class DiscordSettings(_Section):
    channels: list[str] = []  # channel ids that receive every digest
    threads: bool = False  # headline in the channel, details in a thread under it
    admin_channel: str = ""  # where problems are reported
    admins: list[str] = []  # user ids who may force a new digest
    api_base_url: str = "https://discord.com/api/v10"


class SlackSettings(_Section):
    channels: list[str] = []  # channel ids (C0123...) that receive every digest
    threads: bool = False
    admin_channel: str = ""
    admins: list[str] = []  # user ids (U0123...)
    mode: Literal["socket", "http"] = "socket"
    http_host: str = "127.0.0.1"  # behind a reverse proxy; "0.0.0.0" to listen everywhere
    http_port: int = Field(3000, ge=1, le=65535)
    http_path: str = "/slack/events"
    api_base_url: str = "https://slack.com/api/"


class ScheduleSettings(_Section):
    enabled: bool = True
    time: str = Field("05:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    days: str = "mon-sun"  # cron day_of_week: "mon-fri", "mon,wed,fri", ...
    timezone: str = "UTC"
    misfire_grace_seconds: int = Field(3600, ge=1)  # a tick late by less than this still runs
    shutdown_grace_seconds: float = Field(60, ge=0)  # how long a stop waits for a running job

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class CommandSettings(_Section):
    cooldown_seconds: float = Field(300, ge=0)  # per user, between digests they make


class DeliverySettings(_Section):
    concurrency: int = Field(8, ge=1, le=100)  # channels posted to at once, per platform


class Settings(BaseSettings):
    """Everything that is not a secret. Built from the TOML file, then the environment."""

    model_config = SettingsConfigDict(
        env_prefix="DIGESTBOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    prompts_dir: Path = PROJECT_DIR / "prompts"
    storage: StorageSettings = StorageSettings()
    reddit: RedditSettings = RedditSettings()
    selection: SelectionSettings = SelectionSettings()
    llm: LLMSettings = LLMSettings()
    predictions: PredictionSettings = PredictionSettings()
    blog: BlogSettings = BlogSettings()
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    delivery: DeliverySettings = DeliverySettings()
    schedule: ScheduleSettings = ScheduleSettings()
    commands: CommandSettings = CommandSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the TOML file, which is passed in as init values.
        return env_settings, init_settings


class Secrets(BaseSettings):
    """Credentials, only ever from the environment or `.env`; never printed."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DIGESTBOT_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    reddit_client_id: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DIGESTBOT_REDDIT_CLIENT_ID", "REDDIT_CLIENT_ID")
    )
    reddit_client_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DIGESTBOT_REDDIT_CLIENT_SECRET", "REDDIT_CLIENT_SECRET"),
    )
    discord_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DIGESTBOT_DISCORD_TOKEN", "DISCORD_TOKEN")
    )
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DIGESTBOT_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DIGESTBOT_SLACK_APP_TOKEN", "SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DIGESTBOT_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
    )


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    settings: Settings
    secrets: Secrets
    path: Path | None  # the TOML file read, if any


def load(path: Path | None = None, env_file: Path | None = Path(".env")) -> Config:
    """Read the TOML file (`path`, else $DIGESTBOT_CONFIG, else ./digestbot.toml if present)."""
    chosen = path or (Path(p) if (p := os.environ.get("DIGESTBOT_CONFIG")) else None)
    if chosen is None and DEFAULT_CONFIG.exists():
        chosen = DEFAULT_CONFIG
    values: dict[str, Any] = {}
    if chosen is not None:
        try:
            values = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {chosen} does not exist") from exc
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {chosen}: {exc}") from exc
    try:
        settings = Settings(**values)
        secrets = Secrets(_env_file=env_file if env_file and env_file.exists() else None)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, chosen)) from exc
    return Config(settings=settings, secrets=secrets, path=chosen)


def _explain(error: ValidationError, path: Path | None) -> str:
    where = f" in {path}" if path else ""
    lines = [f"invalid settings{where}:"]
    for problem in error.errors(include_url=False):
        key = ".".join(str(p) for p in problem["loc"])
        lines.append(f"  {key}: {problem['msg']}")
    return "\n".join(lines)
