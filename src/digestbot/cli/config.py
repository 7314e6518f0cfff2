"""`digestbot config check`: the settings in force, and everything knowable before a run."""

from __future__ import annotations

import argparse
import os

from digestbot.cli.args import load_config
from digestbot.cli.output import EXIT_FAILED, EXIT_OK, say

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.cli.parser import Commands
    from digestbot.config.loader import Config


def register(commands: Commands) -> None:
    if group := commands.add(
        "config", help="inspect the settings", description="Inspect the settings."
    ):
        actions = commands.actions(group)
        actions.add(
            "check", help="what is set, what is missing, what a run will do", handler=check_command,
            description="Show the settings in force, the secrets that are missing, the prompts, "
            "and what a run will do; exit 1 if anything is broken.",
        )  # fmt: skip
        actions.finish()


def check_command(args: argparse.Namespace) -> int:
    from digestbot.app.modes import modes

    config = load_config(args)
    s, mode = config.settings, modes(config)
    say("config file", config.path or "none: built-in defaults")
    say("env file", ".env" if os.path.isfile(".env") else "none (secrets from the environment)")
    say("sources", mode.source)
    say(
        "",
        f"main r/{s.reddit.main_subreddit}, trending r/{s.reddit.trending_subreddit}"
        f" ({s.reddit.trending_listing})",
    )
    say("LLM", mode.llm)
    if mode.uses_llm:
        say("", f"endpoint from {config.llm_base_url_origin}; {s.llm.structured_output} output")
    say("database", s.storage.database)
    say("blog posts", os.path.join(s.storage.blog_dir, s.storage.post_filename))
    for chat in mode.chat or ("none (discord.channels, slack.channels)",):
        say("chat", chat)
    schedule = s.schedule
    say(
        "schedule",
        f"{schedule.time} {schedule.days} {schedule.timezone} (digestbot run)"
        if schedule.enabled
        else "off",
    )
    if not mode.uses_reddit_api:
        missing = "REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (optional: RSS is used)"
        say("missing", missing, colour="yellow")
    if not mode.uses_llm:
        say("missing", "OPENAI_API_KEY (optional: headline digests without it)", colour="yellow")
    problems = _prompt_problems(config) + _place_problems(config)
    for problem in problems:
        say("broken", problem, colour="red")
    say("mode", f"generate makes a {'full' if mode.uses_llm else 'headline'} digest")
    return EXIT_FAILED if problems else EXIT_OK


def _prompt_problems(config: Config) -> list[str]:
    from digestbot.core.errors import PromptError
    from digestbot.llm.prompts import OFFERED, load_prompt

    problems = []
    for name in OFFERED:
        try:
            prompt = load_prompt(name, config.settings.prompts_dir)
        except PromptError as exc:
            problems.append(str(exc))
        else:
            say("prompt", f"{name} v{prompt.version} ({prompt.origin})")
    return problems


def _place_problems(config: Config) -> list[str]:
    """The database and the blog folder: usable as they are, or creatable, without
    creating anything now."""
    from digestbot.core.errors import StorageError
    from digestbot.storage.reader import History

    storage = config.settings.storage
    problems = []
    if os.path.exists(storage.database):
        try:
            History(storage.database).close()
        except StorageError as exc:
            problems.append(str(exc))
    elif problem := _not_creatable(storage.database):
        problems.append(f"the database {storage.database} cannot be created: {problem}")
    if os.path.exists(storage.blog_dir) and not os.path.isdir(storage.blog_dir):
        problems.append(f"the blog folder {storage.blog_dir} is a file")
    elif problem := _not_creatable(os.path.join(storage.blog_dir, "post.md")):
        problems.append(f"posts cannot be written to {storage.blog_dir}: {problem}")
    return problems


def _not_creatable(path: str) -> str | None:
    """Why a file at `path` could not be created, or None: its nearest existing folder
    must be a writable folder."""
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        return f"{folder} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not writable"
    return None
