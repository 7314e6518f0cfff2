"""Slack through slack_sdk: REST publishing with retries, and its error mapping."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from digestbot.chat.slack.approval import attach_approval
from digestbot.chat.slack.reactions import ReactionSink, attach_reactions
from digestbot.chat.slack.render import (
    FALLBACK_MAX,
    SlackMessage,
    escape,
    notice,
    render_headline,
    render_search,
    render_slack,
    topic_blocks,
)
from digestbot.core.approval import Decide
from digestbot.core.errors import DeliveryError
from digestbot.core.models import Digest, Reply
from digestbot.core.ports import DigestCommands

log = logging.getLogger(__name__)
METADATA_EVENT = "digestbot_message"
# Errors that retrying will not cure; each names what a person must fix.
PERMANENT = {
    "channel_not_found": "unknown channel; check slack.channels",
    "not_in_channel": "the bot is not in the channel; /invite it",
    "is_archived": "the channel is archived",
    "invalid_auth": "the bot token was refused",
    "not_authed": "no bot token was sent",
    "account_inactive": "the bot token belongs to a deactivated app",
    "missing_scope": "the app lacks the chat:write scope",
    "restricted_action": "the workspace does not allow the bot to post there",
    "msg_too_long": "the message was too long",
    "invalid_blocks": "Slack refused the message's blocks",
    "cant_update_message": "the bot may not edit its earlier message",
    "cant_delete_message": "the bot may not delete its earlier message",
}


class AnyServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """Retries every 5xx: slack_sdk's own handler retries only 500 and 503."""

    async def _can_retry_async(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code >= 500


def slack_client(token: str, base_url: str) -> AsyncWebClient:
    """A Web API client that waits out 429s (Retry-After) and retries 5xx and dropped
    connections, with slack_sdk's own backoff."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AnyServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def slack_error(exc: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the body was not Slack's JSON (a proxy's
    or a load balancer's page on a 5xx)."""
    data = exc.response.data
    error = data.get("error", "") if isinstance(data, dict) else ""
    return str(error) or f"HTTP {exc.response.status_code}"


def _failure(channel: str, exc: Exception) -> DeliveryError:
    if isinstance(exc, SlackApiError):
        error = slack_error(exc)
        if error in PERMANENT:
            return DeliveryError(
                f"Slack channel {channel}: {PERMANENT[error]} ({error})", permanent=True
            )
        return DeliveryError(f"Slack channel {channel}: {error}", permanent=False)
    return DeliveryError(
        f"Slack channel {channel}: cannot reach Slack ({exc!r})"[:300], permanent=False
    )


class SlackPlatform:
    """Posts rendered messages with chat.postMessage, tagged with the key as metadata."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, *, threads: bool) -> None:
        self._client = client
        self.threads = threads

    def render(self, digest: Digest) -> Sequence[SlackMessage]:
        return render_slack(digest)

    def render_notice(self, text: str) -> SlackMessage:
        return notice(text)

    async def send(
        self, channel: str, message: SlackMessage, *, key: str, thread: str | None
    ) -> str:
        try:
            response = await self._client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks),
                thread_ts=thread,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(channel, exc) from exc
        return str(response["ts"])

    async def edit(
        self, channel: str, message_id: str, message: SlackMessage, thread: str | None
    ) -> bool:
        try:
            await self._client.chat_update(
                channel=channel, ts=message_id, text=message.text, blocks=list(message.blocks)
            )
        except SlackApiError as exc:
            if slack_error(exc) == "message_not_found":
                return False
            raise _failure(channel, exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(channel, exc) from exc
        return True

    async def delete(self, channel: str, message_id: str, thread: str | None) -> None:
        try:
            await self._client.chat_delete(channel=channel, ts=message_id)
        except SlackApiError as exc:
            if slack_error(exc) != "message_not_found":
                raise _failure(channel, exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(channel, exc) from exc

    async def start_thread(self, channel: str, message_id: str, title: str) -> str:
        return message_id  # in Slack a thread is the parent message's ts

    async def find_sent(
        self, channel: str, key: str, since: datetime, thread: str | None
    ) -> str | None:
        """Our message with this key, if the channel's history shows one (needs *:history)."""
        try:
            if thread:
                response = await self._client.conversations_replies(
                    channel=channel,
                    ts=thread,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=200,
                )
            else:
                response = await self._client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=200,
                )
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            return None  # history unreadable: the message is sent again
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and metadata.get("event_payload", {}).get("key") == key
            ):
                return str(message["ts"])
        return None


async def _upload_chart(client: AsyncWebClient, channel: str, chart: bytes, respond) -> None:
    """Post a chart in the channel (Slack files cannot be shown to one person only)."""
    try:
        await client.files_upload_v2(
            channel=channel, content=chart, filename="predictions.png",
            title="Predicted dates over time",
        )  # fmt: skip
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
        log.warning("cannot upload the chart to %s: %s", channel, exc)
        await respond(
            text="The chart could not be posted here (the app needs files:write).",
            response_type="ephemeral",
            replace_original=False,
        )


def render_reply(reply: Reply) -> list[SlackMessage]:
    """What /digest answers with: the short digest, one topic's details, or words."""
    if reply.search is not None:
        return render_search(reply.search)
    if reply.digest is None:
        hint = "\n(Add `public` to post the chart in the channel.)" if reply.chart else ""
        return [notice(reply.text + ("" if reply.public else hint))]
    if reply.topic is not None:
        topic = reply.digest.topics[reply.topic - 1]
        blocks = tuple(topic_blocks(reply.topic, topic)[:-1])  # no closing divider
        return [SlackMessage(text=escape(topic.title, FALLBACK_MAX), blocks=blocks)]
    return render_headline(reply.digest)


def build_app(
    service: DigestCommands,
    client: AsyncWebClient,
    admins: Collection[str],
    signing_secret: str | None = None,
    on_reaction: ReactionSink | None = None,
    on_press: Decide | None = None,
) -> AsyncApp:
    """A Bolt app answering /digest, passing reactions (votes) on to `on_reaction` and
    presses of a draft's Approve and Skip to `on_press`: Socket Mode needs no signing
    secret, HTTP mode does."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
    )

    @app.command("/digest")
    async def digest(ack, command: dict, respond) -> None:
        await ack()  # within Slack's 3 s; the answer follows through response_url
        user = command.get("user_id", "")
        try:
            reply = await service.handle_text(
                command.get("text") or "",
                user,
                user in admins,
                platform="slack",
                channel=command.get("channel_id", ""),
            )
        except Exception:
            log.exception("/digest failed for %s", user)
            reply = Reply(text="Something went wrong on our side; it has been logged.")
        for message in render_reply(reply):
            await respond(
                text=message.text,
                blocks=list(message.blocks),
                response_type="in_channel" if reply.public else "ephemeral",
                replace_original=False,
            )
        if reply.chart and reply.public:
            await _upload_chart(client, command.get("channel_id", ""), reply.chart, respond)

    if on_reaction is not None:
        attach_reactions(app, on_reaction)
    if on_press is not None:
        attach_approval(app, on_press, admins)
    return app
