"""The layout's rules: the core names no outside system; each platform or source module
sees only the core; only the app and the command line wire them together."""

import ast
import importlib.util
from pathlib import Path

import pytest

import digestbot

PACKAGE = Path(digestbot.__file__).parent
SDKS = {
    "praw", "prawcore", "openai", "discord", "slack_bolt", "slack_sdk", "feedparser",
    "aiohttp", "httpx", "httpx2", "apscheduler", "sqlite_utils", "matplotlib", "dotenv",
}  # fmt: skip
OUTSIDE_PARTS = ("sources", "llm", "chat", "blog", "storage")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def test_the_core_imports_no_sdk_and_nothing_outside_the_core() -> None:
    assert modules("core")
    for path in modules("core"):
        for name in imports(path):
            assert name.split(".")[0] not in SDKS, f"{path.name} imports {name}"
            if name.startswith("digestbot"):
                assert name.startswith("digestbot.core"), f"{path.name} imports {name}"


@pytest.mark.parametrize("part", ["sources", "llm", "chat/discord", "chat/slack", "blog"])
def test_a_platform_or_source_sees_only_the_core_and_itself(part: str) -> None:
    own = "digestbot." + part.replace("/", ".")
    for path in modules(part):
        for name in imports(path):
            if name.startswith("digestbot"):
                assert name.startswith(("digestbot.core", own)), f"{path} imports {name}"


def test_storage_sees_only_the_core_and_itself() -> None:
    for path in modules("storage"):
        for name in imports(path):
            if name.startswith("digestbot"):
                assert name.startswith(("digestbot.core", "digestbot.storage")), path


def test_the_old_generic_package_names_are_gone() -> None:
    assert importlib.util.find_spec("bot") is None
    assert importlib.util.find_spec("adapters") is None


def test_the_default_prompts_ship_inside_the_package() -> None:
    shipped = {p.name for p in (PACKAGE / "prompts").glob("*.toml")}
    assert shipped == {"topic_analysis.toml", "predictions.toml"}
