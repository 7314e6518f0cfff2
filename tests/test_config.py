"""Settings: the documented examples stay complete and true, and sources layer as promised."""

import tomllib
from pathlib import Path

import pytest

from bot.config import PROJECT_DIR, ConfigError, Secrets, Settings, load


def setting_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        sub = getattr(field.annotation, "model_fields", None)
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
    example = tomllib.loads((PROJECT_DIR / "digestbot.example.toml").read_text())
    listed = flatten(example)
    assert set(listed) | {"prompts_dir"} == setting_names()
    defaults = flatten(Settings().model_dump(mode="json"))
    assert listed == {key: defaults[key] for key in listed}


def test_the_env_example_lists_every_setting_and_secret() -> None:
    text = (PROJECT_DIR / ".env.example").read_text()
    for name in setting_names():
        env = "DIGESTBOT_" + name.upper().replace(".", "__")
        assert f"# {env}=" in text, env
    for field in Secrets.model_fields.values():
        prefixed, bare = field.validation_alias.choices
        assert f"\n{bare}=" in text and prefixed == f"DIGESTBOT_{bare}"


def test_the_environment_overrides_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.toml"
    path.write_text('[llm]\nmodel = "from-toml"\nconcurrency = 2\n')
    monkeypatch.setenv("DIGESTBOT_LLM__MODEL", "from-env")
    settings = load(path, env_file=None).settings
    assert (settings.llm.model, settings.llm.concurrency) == ("from-env", 2)


def test_secrets_come_from_the_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("OPENAI_API_KEY=sk-from-file\n")
    secrets = load(None, env_file=env).secrets
    assert secrets.openai_api_key.get_secret_value() == "sk-from-file"
    assert "sk-from-file" not in repr(secrets)


def test_a_secret_in_the_toml_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('openai_api_key = "sk-oops"\n')
    with pytest.raises(ConfigError, match="openai_api_key"):
        load(path, env_file=None)


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load(tmp_path / "nope.toml", env_file=None)
