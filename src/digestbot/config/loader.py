"""Reading the settings: a TOML file, then the environment, then `.env`; and the secrets.

The TOML file is `--config`, else $DIGESTBOT_CONFIG, else ./digestbot.toml if it exists.
Any setting can be overridden as DIGESTBOT_<SECTION>__<KEY> (lists as JSON or as words
and commas). Secrets come only from the environment or `.env`, and an empty value means
"not set", so a copied `.env.example` works as it is. The real environment wins over `.env`.
"""

from __future__ import annotations

import os

from digestbot.config.fields import Problems
from digestbot.config.rules import web_url
from digestbot.config.settings import Settings
from digestbot.core.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

DEFAULT_CONFIG = "digestbot.toml"
PREFIX = "DIGESTBOT_"
SECRETS = (
    "OPENAI_API_KEY",
    "REDDIT_CLIENT_ID",
    "REDDIT_CLIENT_SECRET",
    "DISCORD_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
)
OPENAI_BASE_URL = "OPENAI_BASE_URL"  # what the OpenAI SDK and most tools read
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"


class Secret:
    """A credential that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"


class Secrets:
    """The credentials that are set; each is a Secret, or None when not set."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        for name in SECRETS:
            value = environment.get(PREFIX + name) or environment.get(name)
            setattr(self, name.lower(), Secret(value) if value else None)

    openai_api_key: Secret | None
    reddit_client_id: Secret | None
    reddit_client_secret: Secret | None
    discord_token: Secret | None
    slack_bot_token: Secret | None
    slack_app_token: Secret | None
    slack_signing_secret: Secret | None


class Config:
    """The settings in force, the secrets, and where they came from."""

    def __init__(self, settings: Settings, secrets: Secrets, path: str | None, env_base_url: str):
        self.settings = settings
        self.secrets = secrets
        self.path = path  # the TOML file read, if any
        self._env_base_url = env_base_url

    @property
    def llm_base_url(self) -> str:
        """llm.base_url, else $OPENAI_BASE_URL, else OpenAI's own API."""
        return self.settings.llm.base_url or self._env_base_url or OPENAI_DEFAULT_URL

    @property
    def llm_base_url_origin(self) -> str:
        if self.settings.llm.base_url:
            return "llm.base_url"
        return OPENAI_BASE_URL if self._env_base_url else "default"


def load(
    path: str | None = None,
    env_file: str | None = ".env",
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read every source of settings; raises ConfigError naming every problem at once."""
    environment = _environment(env_file, os.environ if environ is None else environ)
    chosen = path or environment.get(PREFIX + "CONFIG")
    if chosen is None and os.path.isfile(DEFAULT_CONFIG):
        chosen = DEFAULT_CONFIG
    values = _read_toml(chosen) if chosen else {}
    problems = _apply_overrides(values, environment)
    try:
        settings = Settings(**values)
    except Problems as found:
        problems += found.problems
        settings = None
    if problems or settings is None:
        raise ConfigError(_explain(problems, chosen))
    base_url = environment.get(PREFIX + OPENAI_BASE_URL) or environment.get(OPENAI_BASE_URL, "")
    if base_url and (problem := web_url(base_url)):
        raise ConfigError(f"{OPENAI_BASE_URL}: {problem}")
    return Config(settings, Secrets(environment), chosen, base_url)


def _environment(env_file: str | None, environ: Mapping[str, str]) -> dict[str, str]:
    """The process environment over `.env`; a variable set to nothing counts as not set,
    in either (so an empty `export OPENAI_API_KEY=` does not hide the key in `.env`)."""
    from_file = _read_env_file(env_file) if env_file and os.path.isfile(env_file) else {}
    return {
        name: value
        for layer in (from_file, environ)
        for name, value in layer.items()
        if value.strip()
    }


def _read_env_file(path: str) -> dict[str, str]:
    from dotenv import dotenv_values

    try:
        values = dotenv_values(path, interpolate=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    return {name: value or "" for name, value in values.items()}


def _read_toml(path: str) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"the settings file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"the settings file {path} is a folder, not a file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the settings file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"the settings file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the settings file {path} is not valid TOML: {exc}") from None


def _apply_overrides(
    values: dict[str, Any], environment: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Put DIGESTBOT_<SECTION>__<KEY> (and DIGESTBOT_PROMPTS_DIR) into `values`."""
    problems: list[tuple[str, str]] = []
    for variable, text in environment.items():
        if not variable.startswith(PREFIX):
            continue
        section, _, key = variable[len(PREFIX) :].lower().partition("__")
        kind = Settings.kind_of(section)
        if not key:
            if kind is not None and not hasattr(kind, "kind_of"):
                # a top-level setting: DIGESTBOT_PROMPTS_DIR, DIGESTBOT_SOURCES (JSON)
                values[section] = Settings.from_env(section, text)
            continue  # DIGESTBOT_CONFIG, and the secrets under their DIGESTBOT_ names
        if not hasattr(kind, "kind_of") or kind.kind_of(key) is None:
            problems.append((variable, "names no setting (DIGESTBOT_<SECTION>__<KEY>)"))
            continue
        table = values.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = kind.from_env(key, text)
    return problems


def _explain(problems: list[tuple[str, str]], path: str | None) -> str:
    where = f" in {path}" if path else ""
    if len(problems) == 1:
        return f"invalid setting{where}: {_named(*problems[0])}"
    listed = "; ".join(_named(name, why) for name, why in problems)
    return f"{len(problems)} invalid settings{where}: {listed}"


def _named(name: str, why: str) -> str:
    return f"{name}: {why}" if name else why  # a rule across sections names its own
