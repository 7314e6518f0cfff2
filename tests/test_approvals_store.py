"""The approval record: pending once, decided once, even when two processes decide at
the same moment (two admins pressing, or an admin and the deadline)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime
from pathlib import Path

from digestbot.storage.approvals import APPROVED, PENDING, SKIPPED, Approvals
from digestbot.storage.store import open_store

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def test_a_day_is_requested_once_and_decided_once(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "h.db")) as store:
        approvals = Approvals(store.db)
        first = approvals.request(DAY, NOW)
        again = approvals.request(DAY, datetime(2026, 11, 20, 9, tzinfo=UTC))
        assert first == again and first.state == PENDING  # a remake keeps its draft time
        assert [a.day for a in approvals.pending()] == ["2026-11-20"]
        assert approvals.decide(DAY, APPROVED, "U1", NOW)
        assert not approvals.decide(DAY, SKIPPED, "U2", NOW)  # already decided
        decided = approvals.get(DAY)
        assert decided is not None and (decided.state, decided.decided_by) == (APPROVED, "U1")
        assert approvals.pending() == []
        assert not approvals.decide(date(2026, 11, 21), APPROVED, "U1", NOW)  # never drafted


def _decide(path: str, user: str, start: multiprocessing.synchronize.Event, won) -> None:
    with open_store(path) as store:
        start.wait(10)
        won.put((user, Approvals(store.db).decide(DAY, APPROVED, user, NOW)))


def test_two_processes_deciding_at_once_make_one_decision(tmp_path: Path) -> None:
    path = str(tmp_path / "h.db")
    with open_store(path) as store:
        Approvals(store.db).request(DAY, NOW)
    context = multiprocessing.get_context("spawn")
    start, won = context.Event(), context.Queue()
    workers = [context.Process(target=_decide, args=(path, f"U{n}", start, won)) for n in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    results = dict(won.get(timeout=30) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert sum(results.values()) == 1
    with open_store(path) as store:
        decided = Approvals(store.db).get(DAY)
    assert decided is not None and results[decided.decided_by] is True


def test_a_draft_is_recorded_sending_then_sent(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "h.db")) as store:
        approvals = Approvals(store.db)
        approvals.request(DAY, NOW)
        approvals.draft_sending(DAY, "slack", "C0000000999", "key1")
        draft = approvals.draft(DAY, "slack", "C0000000999")
        assert draft is not None and (draft.state, draft.key, draft.message_id) == (
            "sending",
            "key1",
            "",
        )
        approvals.draft_sent(DAY, "slack", "C0000000999", "1700000000.000100")
        (sent,) = approvals.drafts(DAY)
        assert (sent.state, sent.message_id) == ("sent", "1700000000.000100")


async def test_a_pending_day_whose_digest_is_gone_is_settled_at_its_deadline(
    tmp_path: Path,
) -> None:
    from datetime import timedelta

    from digestbot.core.approval import Approver

    async def publish(digest: object) -> tuple:
        raise AssertionError("nothing to publish")

    with open_store(str(tmp_path / "h.db")) as store:
        store.approvals.request(DAY, NOW)
        later = NOW + timedelta(minutes=2)
        approver = Approver(
            store.approvals, [], {}, publish, lambda day: None, deadline_minutes=1,
            clock=lambda: later,
        )  # fmt: skip
        await approver.expire()
        assert store.approvals.pending() == [] and approver.next_deadline() is None
