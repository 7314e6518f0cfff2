"""The platforms' limits, written out here (not read from the renderers), as checks that
every rendered message must pass: Discord answers 400 past them, Slack refuses."""

from __future__ import annotations

from typing import Any

from digestbot.chat.discord.render import DiscordMessage
from digestbot.chat.slack.render import SlackMessage


def embed_chars(embed: dict[str, Any]) -> int:
    """What Discord counts toward 6,000 a message (code points)."""
    return (
        len(embed.get("title", ""))
        + len(embed.get("description", ""))
        + len(embed.get("footer", {}).get("text", ""))
        + len(embed.get("author", {}).get("name", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    )


def check_discord(messages: list[DiscordMessage]) -> None:
    assert messages
    for message in messages:
        assert (message.content or "").strip() or message.embeds or message.files
        assert len(message.content or "") <= 2000
        assert len(message.embeds) <= 10
        assert sum(map(embed_chars, message.embeds)) <= 6000
        for embed in message.embeds:
            assert 0 < len(embed["title"]) <= 256
            assert 0 < len(embed.get("description", "x").strip()) <= 4096
            assert len(embed.get("url", "")) <= 2048
            assert len(embed.get("footer", {}).get("text", "")) <= 2048
            assert len(embed.get("author", {}).get("name", "")) <= 256
            assert len(embed.get("fields", [])) <= 25
            for f in embed.get("fields", []):
                assert f["name"].strip() and len(f["name"]) <= 256
                assert f["value"].strip() and len(f["value"]) <= 1024


def block_chars(block: dict[str, Any]) -> int:
    """A block's text as Slack counts it toward a message."""
    return len(block.get("text", {}).get("text", "")) + sum(
        len(e.get("text", "")) for e in block.get("elements", [])
    )


def slack_size(message: SlackMessage) -> int:
    """The renderer's documented budget: text, and 80 characters a block for its container
    (Slack has refused blocks of 11,341 characters of text: slackapi/bolt-js#2867)."""
    return sum(map(block_chars, message.blocks)) + 80 * len(message.blocks)


def check_slack(messages: list[SlackMessage]) -> None:
    """50 blocks, 3,000 a section, 150 a header, and the size budget."""
    assert messages
    for message in messages:
        assert message.text.strip() and len(message.text) <= 4000
        assert 0 < len(message.blocks) <= 50
        assert slack_size(message) <= 9000
        for block in message.blocks:
            text = block.get("text", {})
            if block["type"] == "header":
                assert text["type"] == "plain_text" and 0 < len(text["text"].strip()) <= 150
            elif block["type"] == "section":
                assert text["type"] == "mrkdwn" and text["verbatim"] is True
                assert text["text"].strip() and len(text["text"]) <= 3000
            elif block["type"] == "context":
                assert 0 < len(block["elements"]) <= 10
                assert all(0 < len(e["text"].strip()) <= 3000 for e in block["elements"])
            else:
                assert block == {"type": "divider"}


def sections(messages: list[SlackMessage]) -> list[str]:
    return [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
