"""The built wheel, installed into a fresh virtual environment, works from an empty folder:
its shipped prompts are found, `config check` passes, and a digest is made against the
fake LLM. The dependencies come from this environment (no network needed); digestbot
itself comes only from the wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT
from tests.fakes.openai import FakeOpenAI


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv holding the wheel built from this checkout; yields its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a clean copy: a build/ folder left in the checkout can't leak in
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(work / "dist"), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = (work / "dist").glob("digestbot-*.whl")
    target = work / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # The dependencies, from the environment running the tests; a path in a .pth file is
    # added after the venv's own site-packages, so digestbot is the wheel's.
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield target / "bin"


def run(bin_folder: Path, folder: Path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DIGESTBOT_", "OPENAI_"))}
    return subprocess.run(
        [str(bin_folder / argv[0]), *argv[1:]],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
    )


def test_the_wheel_is_the_digestbot_that_runs(installed: Path, tmp_path: Path) -> None:
    where = run(installed, tmp_path, "python", "-c", "import digestbot; print(digestbot.__file__)")
    assert where.stdout.strip().startswith(str(installed.parent)), where.stdout
    version = run(installed, tmp_path, "digestbot", "--version")
    assert version.returncode == 0 and version.stdout.startswith("digestbot 0.")
    for generic in ("bot", "adapters"):
        assert run(installed, tmp_path, "python", "-c", f"import {generic}").returncode == 1


def test_config_check_finds_the_shipped_prompts(installed: Path, tmp_path: Path) -> None:
    for argv in (["digestbot"], ["python", "-m", "digestbot"]):
        result = run(installed, tmp_path, *argv, "config", "check")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "shipped topic_analysis.toml" in result.stdout
        assert "shipped predictions.toml" in result.stdout
    assert list(tmp_path.iterdir()) == []  # checking creates nothing


def test_a_digest_is_made_with_the_shipped_prompts(installed: Path, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())  # copied as it is
    with FakeOpenAI() as llm:
        result = run(
            installed,
            tmp_path,
            "digestbot",
            "generate",
            "--from",
            str(EXAMPLE),
            OPENAI_API_KEY="test-key",
            OPENAI_BASE_URL=f"{llm.url}/v1",
        )
        assert result.returncode == 0, result.stderr
        assert len(llm.completions) == 6
        system_prompt = llm.completions[0]["messages"][0]["content"]
    assert "Benefits" in system_prompt or "benefits" in system_prompt
    post = tmp_path / "blog" / "content" / "posts" / "2026-11-20-ai-auto-summary.md"
    assert post.read_text().count("   - *Benefits:*") == 5
