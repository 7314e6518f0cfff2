"""/digest: the service's rules, then the real Discord and Slack clients answering it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from digestbot.app.archive import import_posts
from digestbot.app.digests import App
from digestbot.chart import prediction_chart
from digestbot.chat.discord.client import build_bot
from digestbot.chat.slack.app import build_app, slack_client
from digestbot.core.commands import DigestService, parse_text
from digestbot.core.models import DigestRequest, Want
from tests.conftest import ConfigFactory, until
from tests.fakes.discord import APPLICATION_ID, FakeDiscord
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import FakeSlack


@pytest.fixture
def app(make_config: ConfigFactory) -> App:
    """The app on one fixed moment, taken when the test starts: no midnight in between."""
    now = datetime.now(UTC)
    return App(make_config(), clock=lambda: now)


def service_for(app: App, cooldown: float = 60) -> DigestService:
    return DigestService(
        app.wiring.open_store(),
        app.digest_for,
        cooldown=timedelta(seconds=cooldown),
        next_run=lambda: datetime(2030, 1, 1, 5, 30, tzinfo=UTC),
        clock=app.clock,
        events=app.settings.predictions.events,
        draw_chart=lambda by_event: prediction_chart(by_event, "test chart"),
    )


def test_parse_text() -> None:
    assert parse_text("", "U1", False) == DigestRequest("U1")
    assert parse_text("2026-11-20 topic 2 public", "U1", True) == DigestRequest(
        "U1", True, Want.TOPIC, "2026-11-20", 2, public=True
    )
    assert parse_text("STATUS", "U1", False).want is Want.STATUS
    assert parse_text("force", "U1", True).force
    searched = parse_text("search low rank page 2 newest", "U1", False)
    assert (searched.query, searched.page, searched.newest) == ("low rank", 2, True)
    assert parse_text("search newest", "U1", False).query == "newest"  # a word, searched
    assert not parse_text("search lora page 3", "U1", False).newest


async def test_today_is_made_once_for_everyone_asking_at_once(app: App, llm: FakeOpenAI) -> None:
    llm.latency = 0.3
    service = service_for(app)
    replies = await asyncio.gather(*(service.handle(DigestRequest(f"U{i}")) for i in range(4)))
    assert len(llm.completions) == 6  # one generation
    assert {r.digest.day for r in replies} == {app.clock().date()} and all(
        not r.public for r in replies
    )
    again = await service.handle(DigestRequest("U9"))
    assert again.digest == replies[0].digest and len(llm.completions) == 6


async def test_refusals_explain_themselves(app: App, llm: FakeOpenAI) -> None:
    service = service_for(app)
    await service.handle(DigestRequest("U1"))
    forced = await service.handle(DigestRequest("U1", force=True))
    assert forced.text == "Only admins can make a digest again (force)."
    past = await service.handle(DigestRequest("U1", day="2001-01-01"))
    assert past.text == "There is no digest for 2001-01-01."
    future = await service.handle(DigestRequest("U1", day="2999-01-01"))
    assert future.text == "2999-01-01 has not come yet."
    bad = await service.handle_text("yesterday please", "U1", False)
    assert bad.text.startswith("I don't know 'yesterday'.")
    topic = await service.handle(DigestRequest("U1", want=Want.TOPIC, topic=9))
    assert topic.text == f"The digest of {app.clock().date()} has topics 1 to 5."


async def test_admins_can_force_within_their_cooldown(app: App, llm: FakeOpenAI) -> None:
    service = service_for(app, cooldown=3600)
    await service.handle(DigestRequest("U1"))
    first = await service.handle(DigestRequest("ADMIN", is_admin=True, force=True))
    assert first.digest is not None
    second = await service.handle(DigestRequest("ADMIN", is_admin=True, force=True))
    assert second.text.startswith("Making a digest costs LLM calls: please try again in")


async def test_status_reports_runs_usage_and_failures(app: App) -> None:
    service = service_for(app)
    await service.handle(DigestRequest("U1"))
    status = (await service.handle(DigestRequest("U1", want=Want.STATUS))).text
    assert f"Last run: generate for {app.clock().date()}, ok" in status
    assert "Next run: 2030-01-01 05:30 UTC" in status
    assert "This month: 1 runs, 6 LLM calls" in status


def interaction(options: list[dict], user: str = "42") -> dict:
    return {
        "id": "5000",
        "application_id": APPLICATION_ID,
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "guild_id": "3000",
        "channel_id": "111111111111111111",
        "channel": {
            "id": "111111111111111111",
            "type": 0,
            "guild_id": "3000",
            "name": "news",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        },
        "member": {
            "user": {"id": user, "username": "asker", "discriminator": "0", "avatar": None},
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "permissions": "0",
            "flags": 0,
        },
        "app_permissions": "0",
        "attachment_size_limit": 10_485_760,
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": "3000"},
        "context": 0,
        "data": {"id": "6000", "name": "digest", "type": 1, "options": options},
    }


async def settle(seconds: float = 10) -> None:
    """Wait until every other task of this loop has finished."""
    others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    if others:
        await asyncio.wait(others, timeout=seconds)


async def test_discord_slash_command_defers_then_answers_privately(
    app: App, discord_api: FakeDiscord, llm: FakeOpenAI
) -> None:
    import discord

    discord.http.Route.BASE = f"{discord_api.url}/api/v10"
    client = build_bot(service_for(app), admins=set())
    async with client:
        await client.login("discord-token")
        client._connection.parse_interaction_create(interaction([]))
        await until(lambda: discord_api.followups)
        callback = discord_api.interaction_callbacks[0]
        assert callback == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
        answer = discord_api.followups[0]
        assert answer["flags"] == 64 and answer["allowed_mentions"] == {"parse": []}
        assert answer["content"].startswith(f"**Daily AI digest · {app.clock().date()}**")
        client._connection.parse_interaction_create(
            interaction(
                [
                    {"name": "topic", "type": 4, "value": 2},
                    {"name": "public", "type": 5, "value": True},
                ]
            )
        )
        await until(lambda: len(discord_api.followups) == 3)
        # The wait is private even for a public answer: a refusal would stay private too.
        assert discord_api.interaction_callbacks[1] == {"type": 5, "data": {"flags": 64}}
        done, topic = discord_api.followups[1:]
        assert done["flags"] == 64 and done["content"] == "Posted in the channel."
        assert not topic.get("flags") and topic["allowed_mentions"] == {"parse": []}
        assert topic["embeds"][0]["title"].startswith("2. What is your evaluation setup")
        client._connection.parse_interaction_create(
            interaction(
                [
                    {"name": "force", "type": 5, "value": True},
                    {"name": "public", "type": 5, "value": True},
                ]
            )
        )
        await until(lambda: len(discord_api.followups) == 4)
        refused = discord_api.followups[3]
        assert refused["flags"] == 64 and "Only admins" in refused["content"]


SECRET = "slack-signing-secret"


def signed(body: str, secret: str = SECRET, age: float = 0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [signature],
    }


def slash(slack_api: FakeSlack, text: str, user: str = "U1") -> str:
    return urlencode(
        {
            "command": "/digest",
            "text": text,
            "user_id": user,
            "team_id": "T1",
            "channel_id": "C0000000111",
            "trigger_id": "1.2.3",
            "response_url": f"{slack_api.url}/response/{hashlib.md5(text.encode()).hexdigest()}",
            "token": "legacy",
            "api_app_id": "A1",
        }
    )


@pytest.fixture
def slack_bolt(app: App, slack_api: FakeSlack):
    client = slack_client("xoxb-slack-token", f"{slack_api.url}/api/")
    return build_app(service_for(app), client, admins={"UADMIN"}, signing_secret=SECRET)


async def test_slack_slash_command_acks_then_answers_privately(
    slack_bolt, slack_api: FakeSlack, llm: FakeOpenAI, app: App
) -> None:
    body = slash(slack_api, "")
    response = await slack_bolt.async_dispatch(AsyncBoltRequest(body=body, headers=signed(body)))
    assert response.status == 200
    await until(lambda: slack_api.commands_responses)
    answer = slack_api.commands_responses[0]
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["text"]["text"] == f"Daily AI digest · {app.clock().date()}"
    body = slash(slack_api, "topic 1 public")
    await slack_bolt.async_dispatch(AsyncBoltRequest(body=body, headers=signed(body)))
    await until(lambda: len(slack_api.commands_responses) == 2)
    topic = slack_api.commands_responses[1]
    assert topic["response_type"] == "in_channel"
    assert "Mixture-of-depths" in json.dumps(topic["blocks"])


@pytest.mark.parametrize("headers", ["bad signature", "stale", "missing"])
async def test_slack_requests_that_are_not_signed_right_get_401(
    slack_bolt, slack_api: FakeSlack, headers: str
) -> None:
    body = slash(slack_api, "")
    sent = {
        "bad signature": signed(body, secret="wrong"),
        "stale": signed(body, age=600),
        "missing": {"content-type": ["application/x-www-form-urlencoded"]},
    }[headers]
    response = await slack_bolt.async_dispatch(AsyncBoltRequest(body=body, headers=sent))
    assert response.status == 401
    await settle()  # whatever the request started has finished: it answered nothing
    assert slack_api.commands_responses == []


POSTS = Path(__file__).parent / "fixtures" / "posts"
PNG = b"\x89PNG\r\n\x1a\n"


async def test_discord_predictions_come_with_the_chart(app: App, discord_api: FakeDiscord) -> None:
    import discord

    import_posts(app.wiring, [POSTS])
    discord.http.Route.BASE = f"{discord_api.url}/api/v10"
    client = build_bot(service_for(app), admins=set())
    async with client:
        await client.login("discord-token")
        client._connection.parse_interaction_create(
            interaction([{"name": "predictions", "type": 5, "value": True}])
        )
        await until(lambda: discord_api.followups)
    answer = discord_api.followups[0]
    assert (
        "Technological singularity: 2049 (predicted in 2025-03), was 2060 (in 2023-06)"
        in (answer["content"])
    )
    assert answer["attachments_received"]["predictions.png"].startswith(PNG)


async def test_slack_posts_the_chart_only_when_asked_to_post_publicly(
    slack_bolt, slack_api: FakeSlack, app: App
) -> None:
    import_posts(app.wiring, [POSTS])
    body = slash(slack_api, "predictions")
    await slack_bolt.async_dispatch(AsyncBoltRequest(body=body, headers=signed(body)))
    await until(lambda: slack_api.commands_responses)
    private = slack_api.commands_responses[0]
    assert private["response_type"] == "ephemeral" and "Add `public`" in json.dumps(private)
    assert slack_api.files == {}
    body = slash(slack_api, "predictions public")
    await slack_bolt.async_dispatch(AsyncBoltRequest(body=body, headers=signed(body)))
    await until(lambda: any(f["channel"] for f in slack_api.files.values()))
    (upload,) = slack_api.files.values()
    assert upload["channel"] == "C0000000111" and upload["data"].startswith(PNG)


async def test_a_digest_that_cannot_be_made_is_explained(
    make_config: ConfigFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGESTBOT_PROMPTS_DIR", str(tmp_path / "missing"))
    now = datetime.now(UTC)
    app = App(make_config(), clock=lambda: now)
    reply = await service_for(app).handle(DigestRequest("U1"))
    assert reply.text.startswith("No digest could be made: prompts_dir")


async def test_a_digest_awaiting_approval_is_the_admins_alone(app: App, llm: FakeOpenAI) -> None:
    from digestbot.storage.approvals import SKIPPED

    service = service_for(app)
    made = await service.handle(DigestRequest("U1", True, Want.DIGEST))
    assert made.digest is not None
    day = made.digest.day
    with app.wiring.open_store() as store:
        store.approvals.request(day, app.clock())
    refused = await service.handle(DigestRequest("U2", False, Want.DIGEST))
    assert refused.digest is None and "awaits the admins' approval" in refused.text
    shown = await service.handle(DigestRequest("U1", True, Want.DIGEST))
    assert shown.digest is not None  # an admin sees the draft, privately
    posted = await service.handle(DigestRequest("U1", True, Want.DIGEST, public=True))
    assert posted.digest is None and "cannot be posted in the channel" in posted.text
    with app.wiring.open_store() as store:
        store.approvals.decide(day, SKIPPED, "U1", app.clock())
    skipped = await service.handle(DigestRequest("U2", False, Want.DIGEST))
    assert "was skipped by the admins" in skipped.text


async def test_with_approval_on_a_digest_made_on_demand_is_the_admins_until_approved(
    app: App, llm: FakeOpenAI
) -> None:
    service = DigestService(
        app.wiring.open_store(), app.digest_for, cooldown=timedelta(0), approval=True
    )
    refused = await service.handle(DigestRequest("U2", False, Want.DIGEST))
    assert refused.digest is None and "awaits the admins' approval" in refused.text
    shown = await service.handle(DigestRequest("U1", True, Want.DIGEST))
    assert shown.digest is not None  # made once, for the admin's eyes only
