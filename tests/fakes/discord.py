"""A fake Discord REST API (v10): login, messages with nonces, threads, interactions;
and on the same port the Gateway (`.gateway`, see tests/fakes/discord_gateway.py).

Like Discord it answers a repeated nonce (with enforce_nonce) with the message it
already has, refuses unknown (404, code 10003) and forbidden (403, code 50001)
channels, and can rate limit each channel (429 with retry_after and a Via header, as
discord.py expects before it retries). `hold` keeps the next message's answer back
for a while after storing it, so a test can kill the sender between the two. The
answers to an interaction (its callback, followups and edits) are kept in order under
its token: `replies(token)`.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from aiohttp import web

from tests.fakes.discord_gateway import DiscordGateway
from tests.fakes.server import ChannelLimiter, FakeServer, json_response

BOT_USER = {
    "id": "1000",
    "username": "digestbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}
APPLICATION_ID = "2000"


def _error(status: int, code: int, message: str) -> web.Response:
    return json_response({"code": code, "message": message}, status=status)


class FakeDiscord(FakeServer):
    def __init__(
        self,
        channels: set[str] | None = None,
        *,
        per_channel_limit: int = 0,  # messages a channel takes per window; 0 = unlimited
        window: float = 1.0,
    ) -> None:
        self.channels: set[str] = set(channels or ())
        self.forbidden: set[str] = set()
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.threads: dict[str, dict[str, Any]] = {}
        self.interaction_callbacks: list[dict[str, Any]] = []
        self.followups: list[dict[str, Any]] = []
        self.registered: list[dict[str, Any]] = []
        self.answers: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by token
        self.gateway = DiscordGateway(self)
        self.limiter = ChannelLimiter(per_channel_limit, window)
        self._nonces: dict[tuple[str, str], dict[str, Any]] = {}
        self._ids = itertools.count(10_000)
        self._state = threading.Lock()
        super().__init__()

    def routes(self, app: web.Application) -> None:
        base = "/api/v10"
        app.router.add_get(f"{base}/users/@me", self._me)
        app.router.add_get(f"{base}/oauth2/applications/@me", self._application)
        app.router.add_post(f"{base}/channels/{{channel}}/messages", self._message)
        app.router.add_patch(
            f"{base}/channels/{{channel}}/messages/{{message}}", self._edit_message
        )
        app.router.add_delete(
            f"{base}/channels/{{channel}}/messages/{{message}}", self._delete_message
        )
        app.router.add_post(
            f"{base}/channels/{{channel}}/messages/{{message}}/threads", self._thread
        )
        app.router.add_post(f"{base}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{base}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_patch(f"{base}/webhooks/{{app}}/{{token}}/messages/@original", self._edit)
        app.router.add_put(f"{base}/applications/{{app}}/commands", self._commands)
        app.router.add_put(f"{base}/applications/{{app}}/guilds/{{guild}}/commands", self._commands)
        self.gateway.routes(app)

    def copies(self, channel: str) -> list[dict[str, Any]]:
        with self._state:
            return list(self.messages[channel])

    def replies(self, token: str) -> list[dict[str, Any]]:
        """What the bot answered to the interaction with this token: its callback (with
        "callback": True), then its followups and edits, in order."""
        with self._state:
            return list(self.answers[token])

    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bot discord-token":
            return _error(401, 0, "401: Unauthorized")
        return json_response(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": APPLICATION_ID,
                "name": "digestbot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": BOT_USER,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    def _new_message(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel,
            "type": 0,
            "content": payload.get("content") or "",
            "embeds": payload.get("embeds") or [],
            "author": BOT_USER,
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": "2026-11-23T05:30:00.000000+00:00",
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
            "nonce": payload.get("nonce"),
            "allowed_mentions": payload.get("allowed_mentions"),
        }

    async def _message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        payload = await request.json()
        known = channel in self.channels or channel in self.threads
        if channel in self.forbidden:
            return _error(403, 50001, "Missing Access")
        if not known:
            return _error(404, 10003, "Unknown Channel")
        with self._state:
            nonce = payload.get("nonce")
            if nonce and payload.get("enforce_nonce") and (channel, nonce) in self._nonces:
                return json_response(self._nonces[(channel, nonce)])
            if wait := self.limiter.wait(channel):
                return json_response(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": wait,
                        "global": False,
                    },
                    status=429,
                    headers={
                        "Retry-After": f"{wait:.3f}",
                        "Via": "1.1 google",
                        "X-RateLimit-Scope": "user",
                    },
                )
            message = self._new_message(channel, payload)
            self.messages[channel].append(message)
            if nonce:
                self._nonces[(channel, nonce)] = message
            held = self._stored_one()
        if held:
            await self.pause(self._hold_seconds)
        return json_response(message)

    def _find(self, channel: str, message_id: str) -> dict[str, Any] | None:
        return next((m for m in self.messages[channel] if m["id"] == message_id), None)

    async def _edit_message(self, request: web.Request) -> web.Response:
        """PATCH a message: the fields sent replace the message's; it keeps its id."""
        channel, message_id = request.match_info["channel"], request.match_info["message"]
        payload = await request.json()
        with self._state:
            if (message := self._find(channel, message_id)) is None:
                return _error(404, 10008, "Unknown Message")
            for key in ("content", "embeds", "allowed_mentions"):
                if key in payload:
                    message[key] = payload[key] if payload[key] is not None else ""
            message["edited_timestamp"] = "2026-11-23T06:00:00.000000+00:00"
            return json_response(message)

    async def _delete_message(self, request: web.Request) -> web.Response:
        channel, message_id = request.match_info["channel"], request.match_info["message"]
        with self._state:
            if (message := self._find(channel, message_id)) is None:
                return _error(404, 10008, "Unknown Message")
            self.messages[channel].remove(message)
        return web.Response(status=204)

    async def _thread(self, request: web.Request) -> web.Response:
        channel, message_id = request.match_info["channel"], request.match_info["message"]
        name = (await request.json())["name"]
        with self._state:
            if message_id in self.threads:
                return _error(400, 160004, "A thread has already been created for this message")
            thread = {
                "id": message_id,  # as on Discord: a thread from a message has its id
                "type": 11,
                "parent_id": channel,
                "guild_id": "3000",
                "name": name,
                "owner_id": BOT_USER["id"],
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2026-11-23T05:30:00+00:00",
                    "locked": False,
                },
                "member_count": 1,
                "message_count": 0,
            }
            self.threads[message_id] = thread
        return json_response(thread, status=201)

    async def _callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.interaction_callbacks.append(body)
        with self._state:
            self.answers[request.match_info["token"]].append({**body, "callback": True})
        interaction = {"id": request.match_info["id"], "type": 2}
        return json_response({"interaction": interaction, "resource": {"type": body["type"]}})

    async def _followup(self, request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):  # a message with attachments
            # The middleware has read the body already: parse the bytes it kept.
            raw = await request.read()
            header = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(header + raw)
            body: dict[str, Any] = {"attachments_received": {}}
            for part in message.iter_parts():
                data = part.get_payload(decode=True)
                if part.get_param("name", header="content-disposition") == "payload_json":
                    body |= json.loads(data)
                else:
                    body["attachments_received"][part.get_filename()] = data
        else:
            body = await request.json()
        self.followups.append(body)
        with self._state:
            self.answers[request.match_info["token"]].append(body)
        return json_response(self._new_message("9999", body))

    async def _edit(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.followups.append(body)
        with self._state:
            self.answers[request.match_info["token"]].append({**body, "edit": True})
        return json_response(self._new_message("9999", body))

    async def _commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        self.registered = commands
        return json_response(
            [
                {
                    **c,
                    "id": str(7000 + i),
                    "application_id": APPLICATION_ID,
                    "version": "1",
                    "default_member_permissions": None,
                    "type": c.get("type", 1),
                }
                for i, c in enumerate(commands)
            ]
        )
