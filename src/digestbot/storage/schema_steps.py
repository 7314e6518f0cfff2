"""The schema's later steps (0009 on), applied by storage/schema.py in their order:
what a topic rests on, substring search, and the team's side (votes, channel profiles,
approvals, editions). A step is never edited once released: add a new one."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sqlite_utils import Database as Tables


def trust(db: Tables) -> None:
    # What each topic rests on and what it continues: its quotes (JSON list) and whether
    # they were found in the source; the other posts of its story that day (JSON list of
    # ids, each also in source_posts); the day and title the story was first covered under.
    db["digest_topics"].add_column("quotes", str, not_null_default="")
    db["digest_topics"].add_column("verified", int)  # 1, 0, or null: never checked
    db["digest_topics"].add_column("also", str, not_null_default="")
    db["digest_topics"].add_column("first_covered", str, not_null_default="")
    db["digest_topics"].add_column("first_title", str, not_null_default="")
    db["digests"].add_column("wanted_topics", int, not_null_default=0)
    # Linked pages as read, so a page is fetched once however often its post is analysed.
    db["articles"].create(
        {
            "url": str,  # as the post links it
            "final_url": str,  # after redirects
            "title": str,
            "text": str,  # the main text, plain
            "error": str,  # why it could not be read ("" when it was)
            "fetched_at": str,
        },
        pk="url",
    )


# What a row gives the search indexes (SQL over the row {r}; search.py indexes in bulk by
# it): its key, the day's date.toordinal() times 100,000 plus 99,999 (a topic) or 49,999
# (trending) minus its position, so that keys descending go by day, then as the digest
# does; its title, analysis and quotes; the columns whose change indexes it again.
SEARCH_FIELDS = "title, analysis, quotes"
_DAY = "cast(julianday({r}.day) - 1721424.5 as integer) * 100000"
SEARCH_ROWS = {
    "digest_topics": (
        _DAY + " + 99999 - {r}.position",
        "{r}.title, replace({r}.benefits || ' ' || {r}.ramifications, char(10), ' '), "
        "case when json_valid({r}.quotes) and json_type({r}.quotes) = 'array' then "
        "(select group_concat(value, ' ') from json_each({r}.quotes)) else '' end",
        "day, position, title, benefits, ramifications, quotes",
    ),
    "digest_trending": (
        _DAY + " + 49999 - {r}.position",
        "{r}.title, '', ''",
        "day, position, title",
    ),
}


def search_substrings(db: Tables) -> None:
    # A word inside longer ones ("lora" in "QLoRA"), phrases, quotes (storage/search.py).
    # search_words keeps no text: a row leaves it by 'delete' with the values it came in
    # with. A row in search_pause (within an import's transaction) stops the triggers.
    db["digest_topics"].disable_fts()
    db["digest_trending"].disable_fts()
    fields = SEARCH_FIELDS
    db.execute(f"create virtual table search_index using fts5({fields}, tokenize = trigram)")
    db.execute(
        f"create virtual table search_words using fts5({fields}, content = '', "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for index in ("search_index", "search_words"):  # a bulk write flushes and merges less
        db.execute(f"insert into {index} ({index}, rank) values ('hashsize', 16777216)")
        db.execute(f"insert into {index} ({index}, rank) values ('automerge', 8)")
    db["search_pause"].create({"paused": int})
    live = "when not exists (select 1 from search_pause)"
    for table, (key, values, watched) in SEARCH_ROWS.items():
        new = f"{key.format(r='new')}, {values.format(r='new')}"
        old = f"{key.format(r='old')}, {values.format(r='old')}"
        add = (
            f"insert into search_index (rowid, {fields}) values ({new}); "
            f"insert into search_words (rowid, {fields}) values ({new});"
        )
        remove = (
            f"delete from search_index where rowid = {key.format(r='old')}; "
            f"insert into search_words (search_words, rowid, {fields}) values ('delete', {old});"
        )
        for name, event, body in (
            ("ai", "insert", add),
            ("ad", "delete", remove),
            ("au", f"update of {watched}", f"{remove} {add}"),
        ):
            db.execute(
                f"create trigger {table}_{name}_search after {event} on {table} {live} "
                f"begin {body} end"
            )
        db.execute(
            f"insert into search_index (rowid, {fields}) "
            f"select {key.format(r=table)}, {values.format(r=table)} from {table} order by 1"
        )
    db.execute(
        f"insert into search_words (rowid, {fields}) select rowid, {fields} from search_index"
    )


def team(db: Tables) -> None:
    # Which topic a delivered message shows (its post's id; "" for the headline, the
    # trending titles, the predictions), so that a reaction to it names one topic.
    db["deliveries"].add_column("topic", str, not_null_default="")
    # Why a headline edition has no analysis ("": no LLM was configured).
    db["digests"].add_column("headline_reason", str, not_null_default="")
    # Reactions that are votes: a row per person, message and emoji, gone when the
    # reaction is removed. `value` is 1 (up) or -1 (down); the topic is the post's id.
    db["votes"].create(
        {
            "platform": str,
            "channel": str,
            "message_id": str,
            "user": str,
            "emoji": str,
            "value": int,
            "day": str,
            "post_id": str,
            "voted_at": str,
        },
        pk=("platform", "channel", "message_id", "user", "emoji"),
    )
    db["votes"].create_index(["day"])
    # A reaction names a message: every reaction in the team's channels is looked up so.
    db["votes"].create_index(["platform", "message_id"])
    db["deliveries"].create_index(["platform", "message_id"])
    db["votes"].create_index(["post_id"])
    # Channel profiles set by admins in chat: the fields set (JSON), over the file's.
    db["channel_profiles"].create(
        {
            "platform": str,
            "channel": str,
            "settings": str,
            "updated_by": str,
            "updated_at": str,
        },
        pk=("platform", "channel"),
    )
    # A day's digest awaiting an admin's approval, and the decision.
    db["approvals"].create(
        {
            "day": str,
            "state": str,  # pending, approved, skipped
            "drafted_at": str,
            "decided_by": str,  # the admin, or "deadline"
            "decided_at": str,
        },
        pk="day",
    )
    # Channel editions of a day's digest, whole, by "<platform>:<channel>".
    db["editions"].create(
        {"day": str, "edition": str, "digest": str, "saved_at": str}, pk=("day", "edition")
    )
    # The drafts posted to admin channels, edited to show the decision.
    db["drafts"].create(
        {
            "day": str,
            "platform": str,
            "channel": str,
            "message_id": str,
            "key": str,
            "state": str,  # sending, sent
        },
        pk=("day", "platform", "channel"),
    )
