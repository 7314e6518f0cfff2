"""`digestbot config check`: the settings in force, and everything knowable before a run."""

from __future__ import annotations

import argparse
import os

from digestbot.cli.args import load_config
from digestbot.cli.output import EXIT_FAILED, EXIT_OK, say
from digestbot.config.sources import sources_in_force

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.cli.parser import Commands
    from digestbot.config.loader import Config
    from digestbot.config.settings import Settings
    from digestbot.core.collect import Fetched
    from digestbot.llm.probe import Probe
    from digestbot.llm.server_facts import ServerFacts


def register(commands: Commands) -> None:
    if group := commands.add(
        "config", help="inspect the settings", description="Inspect the settings."
    ):
        actions = commands.actions(group)
        check = actions.add(
            "check", help="what is set, what is missing, what a run will do", handler=check_command,
            description="Show the settings in force, the secrets that are missing, the prompts, "
            "and what a run will do; exit 1 if anything is broken.",
        )  # fmt: skip
        if check:
            check.add_argument(
                "--probe", action="store_true",
                help="also ask the LLM endpoint (the models it serves, its context window, "
                "slots and speed, whether it takes a strict JSON schema, the settings a run "
                "will use) and fetch every source once; exit 1 if any of them fails",
            )  # fmt: skip
        actions.finish()


def check_command(args: argparse.Namespace) -> int:
    from digestbot.app.modes import modes

    config = load_config(args)
    s, mode = config.settings, modes(config)
    say("config file", config.path or "none: built-in defaults")
    say("env file", ".env" if os.path.isfile(".env") else "none (secrets from the environment)")
    answers = _probe_sources(config) if args.probe else None
    _say_sources(config, mode.source, mode.uses_reddit_api, answers)
    say("LLM", mode.llm)
    if mode.uses_llm:
        say("", f"endpoint from {config.llm_base_url_origin}; {s.llm.structured_output} output")
    say("database", s.storage.database)
    say("blog posts", os.path.join(s.storage.blog_dir, s.storage.post_filename))
    say("blog address", s.blog.site_url or "none (blog.site_url): nothing links to the posts")
    _say_trust(s)
    for chat in mode.chat or ("none (discord.channels, slack.channels)",):
        say("chat", chat)
    schedule = s.schedule
    say(
        "schedule",
        f"{schedule.time} {schedule.days} {schedule.timezone} (digestbot run)"
        if schedule.enabled
        else "off",
    )
    _say_team(s)
    reads_reddit = any(source.kind == "reddit" for source in sources_in_force(s))
    if reads_reddit and not mode.uses_reddit_api:
        missing = "REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (optional: RSS is used)"
        say("missing", missing, colour="yellow")
    if not mode.uses_llm:
        say("missing", "OPENAI_API_KEY (optional: headline digests without it)", colour="yellow")
    problems = _prompt_problems(config) + _place_problems(config)
    for problem in problems:
        say("broken", problem, colour="red")
    say("mode", f"generate makes a {'full' if mode.uses_llm else 'headline'} digest")
    answered = _probe(config, mode.uses_llm) if args.probe else True
    fetched = not any(f.error for f, _ in answers or ())
    return EXIT_FAILED if problems or not (answered and fetched) else EXIT_OK


def _say_sources(
    config: Config,
    summary: str,
    reddit_api: bool,
    answers: list[tuple[Fetched, float]] | None,
) -> None:
    """How many sources, then a line for each: its name, where it reads, its role and
    weight, and with `--probe` what it answered (failure words on failing lines only)."""
    s = config.settings
    say("sources", summary)
    for number, source in enumerate(sources_in_force(s)):
        weight = f", weight {source.weight:g}" if source.weight != 1 else ""
        line = f"{source.shown_name}: {source.where(reddit_api)}; {source.role}{weight}"
        if answers is None:
            say("source", line)
            continue
        fetched, seconds = answers[number]
        if fetched.error:
            say("source", f"{line}; failed: {fetched.error}", colour="red")
        else:
            count = len(fetched.posts)
            posts = f"{count} post{'s' if count != 1 else ''}" if count else "but 0 posts"
            say("source", f"{line}; answered, {posts} in {_figure(seconds)} s")
    if s.selection.max_per_source:
        say("", f"at most {s.selection.max_per_source} topics from one source")
    unused = [
        f"{key} = {getattr(s.reddit, key)!r}"
        for key in ("main_subreddit", "trending_subreddit", "trending_listing")
        if s.sources and getattr(s.reddit, key) != getattr(type(s.reddit), key)
    ]
    if unused:
        say("note", f"[reddit] {', '.join(unused)} not read: [[sources]] replaces the pair")


def _probe_sources(config: Config) -> list[tuple[Fetched, float]]:
    """`--probe`: every source fetched once, at once, with the seconds each took."""
    import asyncio

    from digestbot.app.sources import open_sources
    from digestbot.core.collect import probe_all

    return asyncio.run(probe_all(open_sources(config)))


def _say_team(s: Settings) -> None:
    """Channels' own editions, approval, and the LLM's budget."""
    own = f"{len(s.channels)} channels with their own in the settings file"
    say("editions", own if s.channels else "the default one (or set in chat: digestbot channels)")
    a = s.approval
    deadline = f"{a.on_deadline} after {a.deadline} min undecided" if a.deadline else "no deadline"
    say("approval", f"drafts to the admins first; {deadline}" if a.enabled else "off")
    caps = [
        f"${cap:g} a {period}"
        for cap, period in ((s.llm.daily_budget_usd, "day"), (s.llm.monthly_budget_usd, "month"))
        if cap
    ]
    say("LLM budget", ", ".join(caps) if caps else "no cap ([llm] daily_budget_usd)")


def _say_trust(s: Settings) -> None:
    """How a digest rests on its sources: linked pages, quotes, stories."""
    a, st = s.articles, s.stories
    where = "any address" if a.allow_private_hosts else "public addresses only"
    say("linked pages", f"read ({where})" if a.enabled else "not read (articles.enabled)")
    left = "labelled unverified" if s.llm.unverified == "label" else "left out"
    say("quotes", f"checked against the source; an analysis without them is {left}")
    repeat = "an update" if st.on_repeat == "update" else "left out"
    embeddings = "text and the endpoint's embeddings" if st.embeddings == "auto" else "text"
    say("stories", f"told in the last {st.lookback_days} days: {repeat}; alike by {embeddings}")


def _probe(config: Config, uses_llm: bool) -> bool:
    """`--probe`: what the endpoint says and what a run will use there; False when it
    does not answer, or answers nothing a run could use."""
    if not uses_llm:
        say("endpoint", "not asked: the LLM is not configured (OPENAI_API_KEY): headline digests")
        return True
    import asyncio

    from digestbot.core.errors import LLMUnavailable
    from digestbot.llm.probe import probe

    s, key = config.settings.llm, config.secrets.openai_api_key
    assert key is not None
    output = s.structured_output
    try:
        found = asyncio.run(
            probe(
                config.llm_base_url, key.get_secret_value(), model=s.model,
                timeout=s.timeout_seconds, structured_output=output,
            )
        )  # fmt: skip
    except LLMUnavailable as exc:
        say("endpoint", exc, colour="red")
        return False
    facts = found.facts
    say("endpoint", _endpoint_line(config, found))
    if output == "json_schema" and found.strict_schema is False:
        say(
            "broken",
            f'structured_output = "json_schema", but the server refuses a strict schema '
            f'({found.refusal}): set structured_output = "auto"',
            colour="red",
        )
    shown = ", ".join(facts.models[:10]) + (
        f" and {len(facts.models) - 10} more" if len(facts.models) > 10 else ""
    )
    say("models", shown if facts.listed else "not listed (GET /models gives no list)")
    if facts.serves(s.model) is False:
        say("warning", f"the model {s.model} is not among the models it lists", colour="yellow")
    if found.answered_by and found.answered_by != s.model:
        say("answered by", found.answered_by)
    say("context", _context_line(getattr(s, "context_tokens", 0), facts))
    if found.problem:
        say("broken", f"no reply from the LLM endpoint: {found.problem}", colour="red")
        return False
    speed = found.tokens_per_second
    say(
        "speed",
        f"about {_figure(speed)} tokens/s "
        f"({found.completion_tokens} tokens in {_figure(found.seconds)} s)"
        if speed
        else "not known (the reply gave no token count)",
    )
    return not (output == "json_schema" and found.strict_schema is False)


def _figure(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _endpoint_line(config: Config, found: Probe) -> str:
    """The server, the concurrency a run will use, and JSON schema or JSON mode."""
    from digestbot.llm.pacing import OPENAI_URL, starting_concurrency

    s, slots = config.settings.llm, found.facts.slots
    server = {"unknown": "server of unknown kind", "openai": "OpenAI"}.get(
        found.facts.server, found.facts.server
    )
    said = f"{slots} slot{'s' if slots != 1 else ''}" if slots else "slots not said"
    concurrency = getattr(s, "concurrency", "auto")
    if isinstance(concurrency, int):
        use = f"concurrency {concurrency} (a number still fixes it)"
        if slots and concurrency > slots:
            use += f": {concurrency - slots} at a time wait in the server's queue"
    else:
        start = starting_concurrency(config.llm_base_url or OPENAI_URL, slots)
        use = f"concurrency auto, starting at {start}"
    output = s.structured_output
    if output != "auto":  # forced: a refusal is a broken line of its own
        kind = "mode" if output == "json_object" else "schema"
        shape = f"JSON {kind} (structured_output = {output})"
    elif found.strict_schema is False:
        status = found.refusal.partition(":")[0]  # "HTTP 500"; its message is no news here
        shape = f"JSON mode (it does not take a strict schema: {status})"
    elif found.strict_schema:
        shape = "JSON schema"
    else:
        shape = "JSON schema or mode not known"
    return f"{server} at {config.llm_base_url}; {said}, {use}; {shape}"


def _context_line(setting: int, facts: ServerFacts) -> str:
    said = facts.context_tokens
    if setting:
        return f"{setting} tokens ([llm] context_tokens)" + (
            f"; the server says {said}" if said and said != setting else ""
        )
    if said:
        return f"{said} tokens (from {facts.context_from or facts.server})"
    return "not said by the server ([llm] context_tokens sets it)"


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
