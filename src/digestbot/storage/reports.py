"""What history tells a person: past digests, runs, usage, failures, predictions.

Read-only queries returning plain rows, so that `history`, `usage` and `/digest status`
need neither the models nor sqlite-utils.
"""

from __future__ import annotations

from digestbot.storage.base import Database
from digestbot.storage.claims import died

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date, datetime
    from typing import Any

    Row = dict[str, Any]

_EVER = "0001-01-01"


class Reports:
    def __init__(self, db: Database) -> None:
        self._db = db

    def history(self, limit: int) -> list[Row]:
        """The newest digests first, with their usage, how their last run ended (a run
        whose process is gone is `interrupted`, not running), their deliveries (messages
        in place, and messages still to post) and their topics: `failed` analyses, the
        `grounded` (resting on their source: verified quotes, or the source's own words)
        and the `unverified` (every other analysis, never checked ones included), and the
        `updates` of stories covered before."""
        rows = self._db.rows(
            """with recent as (select * from digests order by day desc limit ?),
               counts as (
                   select day, count(*) as topics,
                          count(case when status = 'failed' then 1 end) as failed,
                          count(case when status = 'ok' and verified is not 1 then 1 end)
                            as unverified,
                          count(case when first_covered != '' then 1 end) as updates
                   from digest_topics where day in (select day from recent) group by day)
               select d.day, d.mode, d.model, d.generated_at, d.imported,
                      (select r.status from runs r where r.day = d.day
                        order by r.id desc limit 1) as status,
                      (select r.owner from runs r where r.day = d.day
                        order by r.id desc limit 1) as owner,
                      (select count(*) from deliveries x where x.day = d.day
                        and x.state = 'sent') as messages_sent,
                      (select count(*) from deliveries x where x.day = d.day
                        and x.state != 'sent') as messages_pending,
                      coalesce(d.llm_calls, 0) as llm_calls,
                      coalesce(d.cache_hits, 0) as cache_hits,
                      coalesce(d.prompt_tokens, 0) + coalesce(d.completion_tokens, 0) as tokens,
                      coalesce(d.cost_usd, 0) as cost_usd,
                      coalesce(c.topics, 0) as topics, coalesce(c.failed, 0) as failed,
                      coalesce(c.topics - c.unverified, 0) as grounded,
                      coalesce(c.unverified, 0) as unverified, coalesce(c.updates, 0) as updates
               from recent d left join counts c on c.day = d.day order by d.day desc""",
            [limit],
        )
        for row in rows:
            owner = row.pop("owner") or ""
            if row["status"] == "running" and owner and died(owner):
                row["status"] = "interrupted"
            row["status"] = row["status"] or ("imported" if row["imported"] else "")
        return rows

    def usage(self, by: str, since: date | None) -> list[Row]:
        """LLM use per day or month: runs, calls, cache hits, tokens, cost; newest first."""
        width = {"day": 10, "month": 7}[by]
        return self._db.rows(
            f"""select substr(started_at, 1, {width}) as period, count(*) as runs,
                       coalesce(sum(llm_calls), 0) as calls,
                       coalesce(sum(cache_hits), 0) as cache_hits,
                       coalesce(sum(prompt_tokens), 0) as prompt_tokens,
                       coalesce(sum(completion_tokens), 0) as completion_tokens,
                       coalesce(sum(cost_usd), 0) as cost_usd
                from runs where started_at >= ?
                group by period order by period desc""",
            [since.isoformat() if since else _EVER],
        )

    def month_usage(self, month: date) -> Row:
        row = self._db.one(
            """select count(*) as runs, coalesce(sum(llm_calls), 0) as calls,
                      coalesce(sum(prompt_tokens + completion_tokens), 0) as tokens,
                      coalesce(sum(cost_usd), 0) as cost_usd
               from runs where started_at >= ?""",
            [month.replace(day=1).isoformat()],
        )
        return row or {"runs": 0, "calls": 0, "tokens": 0, "cost_usd": 0.0}

    def spend(self, now: datetime) -> Row:
        """The LLM cost of the runs started on `now`'s day and in its month, both UTC: what
        the budget caps (core/budget.py). A run counts once it finished (it records its
        cost then); a dry run records none."""
        from datetime import UTC, timedelta

        day = now.astimezone(UTC).date()
        month = day.replace(day=1)
        next_month = (month + timedelta(days=32)).replace(day=1)
        row = self._db.one(
            """select coalesce(sum(case when started_at >= ? and started_at < ?
                                   then cost_usd end), 0) as today_usd,
                      coalesce(sum(cost_usd), 0) as month_usd
               from runs where started_at >= ? and started_at < ?""",
            [
                day.isoformat(),
                (day + timedelta(days=1)).isoformat(),
                month.isoformat(),
                next_month.isoformat(),
            ],
        )
        return row or {"today_usd": 0.0, "month_usd": 0.0}

    def last_run(self) -> Row | None:
        run = self._db.one("select * from runs order by id desc limit 1")
        if run and run["status"] == "running" and run["owner"] and died(run["owner"]):
            run["status"] = "interrupted"
        return run

    def recent_failures(self, since: datetime) -> list[str]:
        """Failed runs and undelivered channels since `since`, newest first, in words."""
        moment = since.isoformat(timespec="seconds")
        runs = self._db.rows(
            "select day, message from runs where status = 'failed' and started_at >= ? "
            "order by id desc limit 5",
            [moment],
        )
        deliveries = self._db.rows(
            "select day, platform, channel, error from deliveries where state = 'failed' "
            "and updated_at >= ? order by updated_at desc limit 5",
            [moment],
        )
        return [f"run for {r['day']}: {r['message']}" for r in runs] + [
            f"{d['platform']} channel {d['channel']} ({d['day']}): {d['error']}" for d in deliveries
        ]

    def predictions_made(self, since: date | None) -> list[tuple[date, str, str]]:
        """Every stored prediction as (day made, event, predicted date), oldest first."""
        from datetime import date

        rows = self._db.rows(
            "select day, event, predicted from predictions where day >= ? order by day, position",
            [since.isoformat() if since else _EVER],
        )
        return [(date.fromisoformat(r["day"]), r["event"], r["predicted"]) for r in rows]
