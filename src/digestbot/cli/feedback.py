"""`digestbot feedback`: the team's votes (👍 and 👎 on a topic's message in chat) per
topic, and which sources and subjects it liked. Reads the history read-only, and prints
a table, or JSON with `--json`."""

from __future__ import annotations

from digestbot.cli import args as checked
from digestbot.cli.output import EXIT_OK, print_json, say, table, warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from digestbot.cli.parser import Commands
    from digestbot.core.feedback import Liking, TopicVotes

SUMMARY_MOST = 8  # sources or subjects named on a summary line


def register(commands: Commands) -> None:
    if feedback := commands.add(
        "feedback", help="the team's votes on topics", handler=feedback_command,
        description="The votes on each topic delivered to chat (reactions to its message: "
        "[feedback] up and down), in every channel together, and which sources and subjects "
        "(title words) the team liked. With --json: a list of topics, each with its day, "
        "title, link, source, up and down votes and the votes per channel; --by source or "
        "--by subject lists those instead, most liked first.",
    ):  # fmt: skip
        feedback.add_argument(
            "--since", type=checked.day, metavar="YYYY-MM-DD", help="digests from this day on"
        )
        feedback.add_argument(
            "--by", choices=("topic", "source", "subject"), default="topic",
            help="one entry per topic (default), per source or per subject word",
        )  # fmt: skip
        feedback.add_argument("--json", action="store_true", help="print JSON, for scripts")


def feedback_command(args: argparse.Namespace) -> int:
    from digestbot.core import feedback
    from digestbot.storage.reader import open_existing
    from digestbot.storage.votes import Votes

    db = open_existing(checked.load_config(args).settings.storage.database)
    try:
        topics = Votes(db).topics(args.since)
    finally:
        db.close()
    if args.by != "topic":
        likings = (feedback.by_source if args.by == "source" else feedback.by_subject)(topics)
        _show_likings(args.by, likings, args.json)
        return EXIT_OK
    if args.json:
        print_json([_topic_json(t) for t in topics])
        return EXIT_OK
    if not topics:
        warn("feedback", "no topics in chat yet: votes are reactions to a topic's message")
        return EXIT_OK
    table(
        [(t.day, t.up, t.down, t.source or "-", t.title, t.link) for t in topics],
        ("day", "up", "down", "source", "title", "link"),
        right=(1, 2),
    )
    for kind, likings in (
        ("sources", feedback.by_source(topics)),
        ("subjects", feedback.by_subject(topics)),
    ):
        liked = [x for x in likings if x.net > 0][:SUMMARY_MOST]
        disliked = [x for x in reversed(likings) if x.net < 0][:SUMMARY_MOST]
        less = f"; less: {_names(disliked)}" if disliked else ""
        say(kind, f"liked: {_names(liked) or 'none yet'}{less}")
    return EXIT_OK


def _topic_json(topic: TopicVotes) -> dict[str, object]:
    return {
        "day": topic.day,
        "post_id": topic.post_id,
        "title": topic.title,
        "link": topic.link,
        "source": topic.source,
        "up": topic.up,
        "down": topic.down,
        "net": topic.net,
        "channels": [c._asdict() for c in topic.channels],
    }


def _names(likings: list[Liking]) -> str:
    return ", ".join(f"{x.name} {x.net:+d}" for x in likings)


def _show_likings(by: str, likings: list[Liking], as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {by: x.name, "topics": x.topics, "up": x.up, "down": x.down, "net": x.net}
                for x in likings
            ]
        )
    elif not likings:
        warn("feedback", "no votes yet: votes are reactions to a topic's message in chat")
    else:
        table(
            [(f"{x.net:+d}", x.up, x.down, x.topics, x.name) for x in likings],
            ("net", "up", "down", "topics", by),
            right=(0, 1, 2, 3),
        )
