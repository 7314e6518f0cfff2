"""The core never names an outside system; adapters see only the core's types."""

import ast
from pathlib import Path

from bot.config import PROJECT_DIR

COMPOSITION_ROOT = {"app.py", "runner.py", "cli.py"}
ADAPTERS_MAY_IMPORT = {"bot.models", "bot.ports", "bot.text", "bot.lines"}
SDKS = {
    "praw",
    "prawcore",
    "openai",
    "discord",
    "slack_bolt",
    "slack_sdk",
    "feedparser",
    "aiohttp",
    "httpx",
    "httpx2",
}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_core_imports_no_adapter_and_no_sdk() -> None:
    for path in (PROJECT_DIR / "bot").glob("*.py"):
        if path.name in COMPOSITION_ROOT:
            continue
        for name in imports(path):
            top = name.split(".")[0]
            assert top != "adapters", f"{path.name} imports {name}"
            assert top not in SDKS, f"{path.name} imports {name}"


def test_adapters_import_only_the_cores_types() -> None:
    """An adapter may use its own platform's other module (discord_bot its renderer)."""
    for path in (PROJECT_DIR / "adapters").glob("*.py"):
        platform = path.stem.split("_")[0]
        for name in imports(path):
            if name.startswith("bot"):
                assert name in ADAPTERS_MAY_IMPORT, f"{path.name} imports {name}"
            if name.startswith("adapters"):
                assert name.split(".")[1].split("_")[0] == platform, f"{path.name} imports {name}"
