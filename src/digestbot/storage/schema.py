"""The schema, changed only through numbered migrations applied in order at start.

sqlite-utils builds the tables and records what was applied (in `_sqlite_migrations`);
it is imported only when a migration is pending, so a command that only reads the
history never pays for it. A migration is never edited once released: add a new one.
"""

from __future__ import annotations

from digestbot.storage import schema_steps as steps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sqlite_utils import Database as Tables

    from digestbot.storage.base import Database

MIGRATION_SET = "digestbot"


def _history(db: Tables) -> None:
    db["runs"].create(
        {
            "id": int,
            "command": str,
            "day": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running, ok, degraded, failed
            "message": str,
            "model": str,
            "llm_calls": int,
            "cache_hits": int,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cost_usd": float,
        },
        pk="id",
    )
    db["source_posts"].create(
        {
            "id": str,
            "source": str,
            "title": str,
            "url": str,
            "link": str,
            "body": str,
            "score": int,
            "num_comments": int,
            "flair": str,
            "created_utc": str,
            "stored_at": str,
        },
        pk="id",
    )
    db["digests"].create(
        {
            "day": str,
            "run_id": int,
            "generated_at": str,
            "model": str,
            "mode": str,
            "notes": str,  # JSON list
            "imported": int,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cost_usd": float,
            "llm_calls": int,
            "cache_hits": int,
        },
        pk="day",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["digest_topics"].create(
        {
            "day": str,
            "position": int,
            "post_id": str,
            "title": str,
            "status": str,
            "benefits": str,
            "ramifications": str,
            "error": str,
        },
        pk=("day", "position"),
        foreign_keys=[("day", "digests", "day"), ("post_id", "source_posts", "id")],
    )
    db["digest_topics"].create_index(["post_id"])
    db["digest_trending"].create(
        {"day": str, "position": int, "post_id": str, "title": str, "url": str},
        pk=("day", "position"),
        foreign_keys=[("day", "digests", "day")],
    )
    db["predictions"].create(
        {
            "day": str,  # the day the prediction was made
            "position": int,
            "event": str,
            "predicted": str,
            "rationale": str,
            "model": str,
        },
        pk=("day", "position"),
        foreign_keys=[("day", "digests", "day")],
    )
    db["analyses"].create(
        {
            "subject": str,  # a post id, or "predictions:<day>:<events>"
            "model": str,
            "prompt_version": str,
            "kind": str,
            "answer": str,  # JSON
            "prompt_tokens": int,
            "completion_tokens": int,
            "cost_usd": float,
            "created_at": str,
        },
        pk=("subject", "model", "prompt_version"),
    )


def _deliveries(db: Tables) -> None:
    db["deliveries"].create(
        {
            "day": str,
            "platform": str,  # discord, slack
            "channel": str,
            "part": int,  # the message's place in the digest's rendering
            "state": str,  # sending, sent, failed
            "key": str,  # the idempotency key (Discord's nonce; Slack's message metadata)
            "message_id": str,
            "thread_id": str,  # where the following parts go, when details are threaded
            "attempts": int,
            "error": str,
            "permanent": int,  # the failure will not go away by retrying
            "sending_at": str,
            "updated_at": str,
        },
        pk=("day", "platform", "channel", "part"),
        foreign_keys=[("day", "digests", "day")],
    )


def _claims(db: Tables) -> None:
    # Who is doing a job that must not run twice at once, e.g. "generate:2026-11-23".
    db["claims"].create({"key": str, "owner": str, "claimed_at": str}, pk="key")


def _digest_problems(db: Tables) -> None:
    db["digests"].add_column("problems", str)  # JSON list, like notes


def _notices(db: Tables) -> None:
    # Problems already reported to admins, so each is reported once.
    db["notices"].create({"key": str, "text": str, "first_seen": str}, pk="key")


def _search(db: Tables) -> None:
    # Full-text indexes kept in step by triggers; porter stemming: "models" finds "model".
    db["digest_topics"].enable_fts(
        ["title", "benefits", "ramifications"], create_triggers=True, tokenize="porter"
    )
    db["digest_trending"].enable_fts(["title"], create_triggers=True, tokenize="porter")


def _owners_and_fingerprints(db: Tables) -> None:
    # Which process a run belongs to, so a run whose process died can be told from one
    # still going; what a delivered message said, so a digest made again is edited in.
    db["runs"].add_column("owner", str, not_null_default="")
    db["deliveries"].add_column("fingerprint", str, not_null_default="")


def _endpoints(db: Tables) -> None:
    # What a model server turned out to take, so the next run starts right.
    db["endpoints"].create(
        {
            "endpoint": str,  # the base URL
            "model": str,
            "structured_output": str,  # the step of the ladder it answers on
            "concurrency": int,  # the most calls at once it kept pace with (0: unknown)
            "updated_at": str,
        },
        pk=("endpoint", "model"),
    )


STEPS = (
    ("0001_history", _history),
    ("0002_deliveries", _deliveries),
    ("0003_claims", _claims),
    ("0004_digest_problems", _digest_problems),
    ("0005_notices", _notices),
    ("0006_search", _search),
    ("0007_owners_and_fingerprints", _owners_and_fingerprints),
    ("0008_endpoints", _endpoints),
    ("0009_trust", steps.trust),
    ("0010_search_substrings", steps.search_substrings),
    ("0011_team", steps.team),
)


def pending(db: Database) -> list[str]:
    """The names of the migrations this database still lacks."""
    if not db.one("select 1 from sqlite_master where name = '_sqlite_migrations'"):
        return [name for name, _ in STEPS]
    rows = db.rows("select name from _sqlite_migrations where migration_set = ?", [MIGRATION_SET])
    applied = {row["name"] for row in rows}
    return [name for name, _ in STEPS if name not in applied]


def migrate(db: Database) -> None:
    """Apply every pending migration, each in a transaction with its record."""
    from sqlite_utils import Database as Tables
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, step in STEPS:
        migrations(name=name)(step)
    with db.errors():
        migrations.apply(Tables(db.connection))
