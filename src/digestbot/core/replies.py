"""A model's reply as the JSON object it meant, including when it echoed the schema.

Small models asked for JSON with a schema in view often answer with the schema itself:
its "properties", with the values put in place of the property schemas, or the schema
unchanged, or the example shape it was shown. The first is an answer in disguise and is
unwrapped; the others are no answer, and the repair prompt says so.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_WORDS = {"properties", "$defs", "required", "additionalProperties", "$schema"}
VALUE_KEYS = ("value", "default", "example", "const")


class EchoedSchema(ValueError):
    """The reply is the schema, with no values in it."""


def parse_reply(text: str, schema: dict[str, Any]) -> Any:
    """The reply's JSON value, unwrapped if it echoes `schema`; ValueError if not JSON,
    EchoedSchema if it is only the schema."""
    data = json.loads(_strip_fence(text))
    if _has_placeholder(data):
        raise EchoedSchema(
            'the reply repeated the example ("...") instead of filling it in with the analysis'
        )
    if not isinstance(data, dict) or not _looks_like_schema(data):
        return data
    properties = data.get("properties")
    if not isinstance(properties, dict):
        raise EchoedSchema("the reply repeated the JSON schema instead of answering")
    unwrapped = {name: _value(node) for name, node in properties.items()}
    if any(value is None for value in unwrapped.values()):
        raise EchoedSchema(
            "the reply repeated the JSON schema instead of answering; reply with the values, "
            "not their types"
        )
    return unwrapped


def _has_placeholder(data: Any) -> bool:
    """Whether the reply still holds the "..." the example shape asked to replace."""
    if isinstance(data, dict):
        return any(_has_placeholder(v) for v in data.values())
    if isinstance(data, list):
        return any(_has_placeholder(v) for v in data)
    return isinstance(data, str) and data.strip() in ("...", "…")


def _looks_like_schema(data: dict[str, Any]) -> bool:
    return bool(SCHEMA_WORDS & data.keys()) or (
        data.get("type") == "object" and "properties" in data
    )


def _value(node: Any) -> Any:
    """A property's value in an echo: the value itself, or under value/default/example;
    None when the node is only a type description."""
    if not isinstance(node, dict):
        return node
    for key in VALUE_KEYS:
        if key in node:
            return node[key]
    if _looks_like_schema(node) and isinstance(node.get("properties"), dict):
        inner = {name: _value(sub) for name, sub in node["properties"].items()}
        return None if any(v is None for v in inner.values()) else inner
    if set(node) <= {"type", "title", "description", "items", "minLength", "maxLength"}:
        return None
    return node


def _strip_fence(text: str) -> str:
    """Models in JSON mode sometimes still wrap the object in a ```json fence."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[-1].rsplit("```", 1)[0]
    return stripped
