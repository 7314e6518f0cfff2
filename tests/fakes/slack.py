"""A fake Slack Web API: auth.test, chat.postMessage, .update and .delete,
conversations.history and .replies;
and on the same port Socket Mode (`.socket`, see tests/fakes/slack_socket.py).

Like Slack it answers errors as {"ok": false, "error": ...} with HTTP 200, rate limits
with 429 and an integer Retry-After, keeps message metadata, and can limit each
channel's posting rate. `hold` stores a message but answers late, opening the window
between posting and recording for crash tests. What is posted to a response_url
`/response/ID` is kept in `commands_responses`, and by ID in `responses(ID)`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

from tests.fakes.server import ChannelLimiter, FakeServer, json_response
from tests.fakes.slack_socket import SlackSocketMode


class FakeSlack(FakeServer):
    def __init__(
        self,
        channels: set[str] | None = None,
        *,
        per_channel_limit: int = 0,
        window: float = 1.0,
    ) -> None:
        self.channels: set[str] = set(channels or ())
        self.not_in_channel: set[str] = set()
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.commands_responses: list[dict[str, Any]] = []
        self.responses_by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.socket = SlackSocketMode(self)
        self.files: dict[str, dict[str, Any]] = {}
        self.limiter = ChannelLimiter(per_channel_limit, window)
        self._clock = time.time()
        self._state = threading.Lock()
        super().__init__()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/upload/{file}", self._upload)
        for method in (
            "files.getUploadURLExternal",
            "files.completeUploadExternal",
            "auth.test",
            "chat.postMessage",
            "chat.update",
            "chat.delete",
            "conversations.history",
            "conversations.replies",
        ):
            app.router.add_route("*", f"/api/{method}", self._dispatch)
        app.router.add_post("/response/{id}", self._response_url)
        self.socket.routes(app)

    def copies(self, channel: str) -> list[dict[str, Any]]:
        with self._state:
            return list(self.messages[channel])

    def responses(self, response_id: str) -> list[dict[str, Any]]:
        """What was posted to the response_url ending in this id (an envelope id)."""
        with self._state:
            return list(self.responses_by_id[response_id])

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer xoxb-slack-token":
            return json_response({"ok": False, "error": "invalid_auth"})
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args |= await request.json()
        elif request.method == "POST":
            args |= dict(await request.post())
        method = request.path.removeprefix("/api/")
        handler = {
            "auth.test": self._auth_test,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "conversations.history": self._history,
            "conversations.replies": self._history,
        }[method]
        return await handler(args)

    async def _upload_url(self, args: dict[str, Any]) -> web.Response:
        file_id = f"F{len(self.files) + 1}"
        self.files[file_id] = {"name": args.get("filename"), "data": b"", "channel": None}
        return json_response(
            {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        )

    async def _upload(self, request: web.Request) -> web.Response:
        self.files[request.match_info["file"]]["data"] = await request.read()
        return web.Response(text="OK")

    async def _complete_upload(self, args: dict[str, Any]) -> web.Response:
        files = args["files"]
        files = json.loads(files) if isinstance(files, str) else files
        for entry in files:
            self.files[entry["id"]]["channel"] = args.get("channel_id")
        return json_response({"ok": True, "files": [{"id": f["id"]} for f in files]})

    async def _auth_test(self, args: dict[str, Any]) -> web.Response:
        return json_response(
            {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "digestbot",
                "team_id": "T1",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        )

    async def _post_message(self, args: dict[str, Any]) -> web.Response:
        channel = args.get("channel", "")
        if channel in self.not_in_channel:
            return json_response({"ok": False, "error": "not_in_channel"})
        if channel not in self.channels:
            return json_response({"ok": False, "error": "channel_not_found"})
        blocks = args.get("blocks")
        metadata = args.get("metadata")
        with self._state:
            if wait := self.limiter.wait(channel):
                return json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(max(1, round(wait)))},
                )
            self._clock = max(self._clock + 0.000001, time.time())
            message = {
                "ts": f"{self._clock:.6f}",
                "text": args.get("text", ""),
                "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
                "thread_ts": args.get("thread_ts"),
                "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata,
                "user": "UBOT",
            }
            self.messages[channel].append(message)
            held = self._stored_one()
        if held:
            await self.pause(self._hold_seconds)
        return json_response(
            {"ok": True, "channel": channel, "ts": message["ts"], "message": message}
        )

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages[channel] if m["ts"] == ts), None)

    async def _update(self, args: dict[str, Any]) -> web.Response:
        """chat.update: the message's text and blocks replaced; it keeps its ts."""
        channel, blocks = args.get("channel", ""), args.get("blocks")
        with self._state:
            if (message := self._find(channel, args.get("ts", ""))) is None:
                return json_response({"ok": False, "error": "message_not_found"})
            message["text"] = args.get("text", "")
            message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
            message["edited"] = message.get("edited", 0) + 1
        return json_response({"ok": True, "channel": channel, "ts": message["ts"]})

    async def _delete(self, args: dict[str, Any]) -> web.Response:
        channel = args.get("channel", "")
        with self._state:
            if (message := self._find(channel, args.get("ts", ""))) is None:
                return json_response({"ok": False, "error": "message_not_found"})
            self.messages[channel].remove(message)
        return json_response({"ok": True, "channel": channel, "ts": message["ts"]})

    async def _history(self, args: dict[str, Any]) -> web.Response:
        channel = args.get("channel", "")
        oldest = float(args.get("oldest") or 0)
        thread = args.get("ts")
        with self._state:
            found = [
                m
                for m in self.messages[channel]
                if float(m["ts"]) >= oldest and (m["thread_ts"] == thread if thread else True)
            ]
        return json_response({"ok": True, "messages": list(reversed(found)), "has_more": False})

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.commands_responses.append(body)
        with self._state:
            self.responses_by_id[request.match_info["id"]].append(body)
        return json_response({"ok": True})
