"""Settings: the documented examples stay complete and true, sources layer as promised,
and every kind of bad value is refused with its name."""

import itertools
import os
import tomllib
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given
from hypothesis import strategies as st

from digestbot.config import rules
from digestbot.config.channels import ChannelSettings
from digestbot.config.loader import SECRETS, Secrets, load
from digestbot.config.settings import Settings
from digestbot.config.sources import SourceSettings
from digestbot.core.errors import ConfigError
from tests.conftest import ROOT


def setting_names() -> set[str]:
    names = set()
    for name, (kind, _) in Settings._fields.items():
        sub = getattr(kind, "_fields", None)
        names |= {f"{name}.{key}" for key in sub} if sub else {name}
    return names


def flatten(document: dict) -> dict:
    return {
        f"{section}.{key}": value
        for section, values in document.items()
        if isinstance(values, dict)
        for key, value in values.items()
    }


def test_the_example_toml_lists_every_setting_with_its_default() -> None:
    example = tomllib.loads((ROOT / "digestbot.example.toml").read_text())
    listed = flatten(example)
    assert set(listed) | {"prompts_dir", "sources", "channels"} == setting_names()
    defaults = flatten(Settings().as_dict())
    assert listed == {key: defaults[key] for key in listed}


def test_the_example_toml_documents_every_channel_setting_and_its_example_loads() -> None:
    text = (ROOT / "digestbot.example.toml").read_text()
    block = text[text.index('# [channels."') : text.index("\n[feedback]")]
    uncommented = "\n".join(line.removeprefix("# ") for line in block.splitlines())
    (channel,) = Settings(**tomllib.loads(uncommented)).channels.values()
    assert set(channel.as_dict()) == set(ChannelSettings._fields)
    assert channel.language == "German" and channel.focus == ["robotics", "vision"]


def test_the_example_toml_documents_every_source_setting_and_its_examples_load() -> None:
    text = (ROOT / "digestbot.example.toml").read_text()
    for key in SourceSettings._fields:
        assert f"#   {key} " in text, key
    # Uncommented, the example tables are valid settings.
    block = text[text.index("# [[sources]]") : text.index("\n[selection]")]
    tables = "\n".join(
        line.removeprefix("# ")
        for line in block.splitlines()
        if line.startswith("# [[sources]]")
        or (line.startswith("# ") and "=" in line and not line.startswith("#  "))
    )
    sources = Settings(**tomllib.loads(tables)).sources
    assert [s.kind for s in sources] == ["reddit", "hackernews", "arxiv", "feed", "reddit"]


def test_the_defaults_pass_their_own_rules() -> None:
    assert Settings(**Settings().as_dict()) == Settings()


def test_the_env_example_lists_every_setting_and_secret() -> None:
    text = (ROOT / ".env.example").read_text()
    for name in setting_names():
        env = "DIGESTBOT_" + name.upper().replace(".", "__")
        assert f"# {env}=" in text, env
    for secret in SECRETS:
        assert f"\n{secret}=" in text, secret


def test_the_env_example_works_when_copied_as_it_is(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    config = load(None, env_file=str(env), environ={})
    assert all(getattr(config.secrets, name.lower()) is None for name in SECRETS)
    assert config.settings == Settings()


def test_an_empty_variable_means_not_set() -> None:
    config = load(None, env_file=None, environ={"OPENAI_API_KEY": "", "DISCORD_TOKEN": "  "})
    assert config.secrets.openai_api_key is None and config.secrets.discord_token is None


def test_the_environment_overrides_the_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('[llm]\nmodel = "from-toml"\nconcurrency = 2\n')
    environ = {
        "DIGESTBOT_LLM__MODEL": "from-env",
        "DIGESTBOT_DISCORD__CHANNELS": '["123456789012345678"]',
        "DIGESTBOT_SLACK__CHANNELS": "C0123456789, C0123456780",
        "DIGESTBOT_SCHEDULE__ENABLED": "false",
    }
    settings = load(str(path), env_file=None, environ=environ).settings
    assert (settings.llm.model, settings.llm.concurrency) == ("from-env", 2)
    assert settings.discord.channels == ["123456789012345678"]
    assert settings.slack.channels == ["C0123456789", "C0123456780"]
    assert settings.schedule.enabled is False


def test_settings_and_secrets_come_from_the_env_file_and_the_environment_wins(
    tmp_path: Path,
) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "OPENAI_API_KEY=sk-from-file\n"
        "export DISCORD_TOKEN='from file'\n"
        "DIGESTBOT_LLM__MODEL=from-file # a comment\n"
        "DIGESTBOT_STORAGE__DATABASE=elsewhere.db\n"
    )
    config = load(None, env_file=str(env), environ={"DIGESTBOT_LLM__MODEL": "from-env"})
    assert config.secrets.openai_api_key.get_secret_value() == "sk-from-file"
    assert config.secrets.discord_token.get_secret_value() == "from file"
    assert config.settings.llm.model == "from-env"
    assert config.settings.storage.database == "elsewhere.db"
    assert "sk-from-file" not in repr(config.secrets.openai_api_key)


def test_openai_base_url_is_honoured_when_the_settings_name_none(tmp_path: Path) -> None:
    environ = {"OPENAI_BASE_URL": "http://localhost:11434/v1"}
    config = load(None, env_file=None, environ=environ)
    assert (config.llm_base_url, config.llm_base_url_origin) == (
        "http://localhost:11434/v1",
        "OPENAI_BASE_URL",
    )
    path = tmp_path / "d.toml"
    path.write_text('[llm]\nbase_url = "http://127.0.0.1:8080/v1"\n')
    assert load(str(path), env_file=None, environ=environ).llm_base_url.endswith(":8080/v1")
    assert load(None, env_file=None, environ={}).llm_base_url == "https://api.openai.com/v1"
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        load(None, env_file=None, environ={"OPENAI_BASE_URL": "localhost:11434"})


def test_the_default_settings_file_is_read_from_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "digestbot.toml").write_text('[llm]\nmodel = "local"\n')
    config = load(None, env_file=None, environ={})
    assert config.path == "digestbot.toml" and config.settings.llm.model == "local"
    os.chdir(tmp_path.parent)
    assert load(None, env_file=None, environ={}).settings.llm.model == "gpt-4o-mini"
    named = load(
        None, env_file=None, environ={"DIGESTBOT_CONFIG": str(tmp_path / "digestbot.toml")}
    )
    assert named.settings.llm.model == "local"


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[llm]\nconcurrency = 0\nmodle = "x"\ntemperature = "hot"\n'
        '[selection]\ntrending_min = 9\n[schedule]\ndays = "funday"\ntime = "25:00"\n'
    )
    with pytest.raises(ConfigError) as raised:
        load(str(path), env_file=None, environ={})
    message = str(raised.value)
    assert "\n" not in message and str(path) in message
    for part in (
        'llm.concurrency: must be "auto" or a whole number from 1 to 64 (got 0)',
        "llm.modle: unknown setting (did you mean model?)",
        "llm.temperature: must be a number",
        "schedule.days: 'funday' is not a day",
        "schedule.time: '25:00' is not a time",
    ):
        assert part in message


def test_a_rule_across_fields_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[selection]\ntrending_min = 6\ntrending_max = 5\n")
    with pytest.raises(ConfigError, match="trending_min is larger than trending_max"):
        load(str(path), env_file=None, environ={})
    path.write_text("[selection]\ntrending_min = 5\ntrending_max = 5\n")
    assert load(str(path), env_file=None, environ={}).settings.selection.trending_min == 5


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[schedule]\ntimezone = "Mars/Olympus"', "not a known time zone"),
        ('[schedule]\ntimezone = "../../etc/passwd"', "not a known time zone"),
        ('[schedule]\ntime = "5:30"', "is not a time like 05:30"),
        ('[schedule]\ntime = "05:60"', "is not a time like 05:30"),
        ('[schedule]\ndays = "fri-mon"', "must run forwards"),
        ('[schedule]\ndays = "mon-fri/2"', "takes no step"),
        ('[discord]\nchannels = ["general"]', "is not a Discord id"),
        ("[discord]\nchannels = [123456789012345678]", "must be a list of text"),
        ('[discord]\nadmin_channel = "12345"', "is not a Discord id"),
        ('[slack]\nchannels = ["#general"]', "is not a Slack channel id"),
        ('[slack]\nadmins = ["C0123456789"]', "is not a Slack user id"),
        ('[slack]\nmode = "websocket"', "must be one of socket, http"),
        ('[storage]\npost_filename = "summary.md"', "must name the day with {date}"),
        ('[storage]\npost_filename = "{day}.md"', "must name the day with {date}"),
        ('[storage]\npost_filename = "{date"', "is not a file name pattern"),
        ('[storage]\npost_filename = "../{date}.md"', "must stay inside the blog folder"),
        ('[storage]\ndatabase = ""', "must not be empty"),
        ('[llm]\nbase_url = "localhost:11434/v1"', "is not a web address"),
        ('[llm]\nbase_url = "ftp://models.example/v1"', "is not a web address"),
        ('[llm]\nbase_url = "http://host:port/v1"', "is not a web address"),
        ("[llm]\nconcurrency = 65", "from 1 to 64"),
        ("[llm]\nconcurrency = true", "must be a word or a number"),
        ('[llm]\nconcurrency = "many"', 'must be "auto" or a whole number'),
        ("[llm]\ntimeout_seconds = 0", "must be more than 0"),
        ("[llm]\nprice_input_per_mtok = -0.01", "must be at least 0 (got -0.01)"),
        ("[llm]\ntemperature = 2.01", "must be at most 2 (got 2.01)"),
        ("[selection]\ntrending_min = -1", "must be at least 0 (got -1)"),
        ("[selection]\ntopics = 26", "must be at most 25"),
        ("[selection]\ntopics = 2.5", "must be a whole number"),
        ('[reddit]\ntrending_listing = "best"', "must be one of hot, top, new, rising"),
        ('storage = "x"', "must be a table of settings"),
        ('[blog]\ntags = "ai"', "must be a list of text"),
        ("[nonsense]\nx = 1", "unknown setting"),
    ],
)
def test_a_bad_value_is_refused_with_its_name(tmp_path: Path, toml: str, problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError, match="invalid setting") as raised:
        load(str(path), env_file=None, environ={})
    assert problem in str(raised.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist"),
        ("[llm\n", "is not valid TOML"),
        (b"\xff\xfe\x00binary", "is not UTF-8 text"),
    ],
)
def test_a_broken_settings_file_is_named(tmp_path: Path, content, problem: str) -> None:
    path = tmp_path / "d.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=problem):
        load(str(path), env_file=None, environ={})
    with pytest.raises(ConfigError, match="is a folder"):
        load(str(tmp_path), env_file=None, environ={})


def test_an_unknown_override_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="DIGESTBOT_LLM__MODLE: names no setting"):
        load(None, env_file=None, environ={"DIGESTBOT_LLM__MODLE": "x"})
    assert load(None, env_file=None, environ={"DIGESTBOT_CONFIG_X": "y"})  # not an override


def test_a_secret_in_the_toml_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('openai_api_key = "sk-oops"\n')
    with pytest.raises(ConfigError, match="openai_api_key: unknown setting"):
        load(str(path), env_file=None, environ={})


def test_settings_are_read_only() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.llm.model = "x"  # type: ignore[misc]
    assert Secrets({}).openai_api_key is None


# -- the schedule's days agree with the scheduler that runs them ------------------------

DAY_WORDS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "Mon", "FRI", "monday", "x"]
PIECES = [*DAY_WORDS, "0", "4", "6", "7", "*", "-", ",", "/", "2", "0", " , "]


def scheduler_accepts(days: str) -> bool:
    try:
        CronTrigger(day_of_week=days, hour=5, minute=30)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "days",
    ["mon-sun", "mon-fri", "mon,wed,fri", "sat,sun", "*", "*/2", "0-4", "0-6/2", "5", "Mon-Fri"],
)
def test_the_usual_schedules_are_accepted(days: str) -> None:
    assert rules.cron_days(days) is None and scheduler_accepts(days)


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("".join))
def test_whatever_the_check_accepts_the_scheduler_runs(days: str) -> None:
    if rules.cron_days(days) is None:
        assert scheduler_accepts(days), days


def test_each_weekday_range_the_check_accepts_the_scheduler_runs() -> None:
    for first, last in itertools.product(rules.WEEKDAYS, repeat=2):
        days = f"{first}-{last}"
        assert (rules.cron_days(days) is None) == scheduler_accepts(days), days


def test_an_empty_variable_in_the_environment_does_not_hide_the_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("OPENAI_API_KEY=sk-from-file\n")
    config = load(None, env_file=str(env), environ={"OPENAI_API_KEY": ""})
    assert config.secrets.openai_api_key.get_secret_value() == "sk-from-file"
