"""What the fake model of tests/fakes/openai.py writes: answers to our prompts in kind,
fitted to a schema when the request constrains its output, or echoes of the schema.

A topic's analysis quotes its source as a careful model would: a real sentence from
between the <source> tags (the title when there is none), or, as a careless one does,
a quote it made up ("invented"; "invented_once": made up, then copied on the repair), or
none at all (the script kind "unquoted").
Predictions name a year, or for "yearless" the first one names none.
"""

from __future__ import annotations

import json
import re
from typing import Any

SOURCE = re.compile(r"<source>\n(Title: .*?)</source>", re.S)  # as the user message has it
SENTENCE = re.compile(r"(?<=[.!?])\s+")
QUOTE_MODES = ("source", "invented", "invented_once")
HEDGE = "It is hard to say; progress is uneven and forecasts have often been wrong."


def answer_to(prompt: str, *, quotes: str = "source", repair: bool = False, kind: str = "good"):
    """The answer, as a JSON value, to the conversation `prompt` (its messages' text)."""
    if "predictions" in prompt and (events := re.findall(r"^- (.+)$", prompt, re.M)):
        dated = [
            {
                "event": e,
                "predicted": HEDGE if kind == "yearless" and i == 0 else "2031",
                "rationale": f"Steady progress makes {e.lower()} plausible by then.",
            }
            for i, e in enumerate(events)
        ]
        return {"predictions": dated}
    title = m[1] if (m := re.search(r"Title: (.*)", prompt)) else "this topic"
    invent = (
        kind == "invented" or quotes == "invented" or (quotes == "invented_once" and not repair)
    )
    quote = f"This changes everything we knew about {title}" if invent else source_quote(prompt)
    return {
        "benefits": f"Work on {title} could make models cheaper to train.",
        "ramifications": f"{title} also raises questions of cost and misuse.",
        "quotes": [] if kind == "unquoted" else [quote],
    }


def source_quote(prompt: str) -> str:
    """A sentence of the source as the prompt gives it: the first of four words or more
    in the post's text, the linked page or another post; else the title."""
    block = m[1] if (m := SOURCE.search(prompt)) else prompt
    title, _, body = block.partition("\n")
    for line in body.splitlines():
        if line.endswith(":") or line.startswith("("):  # our labels, not the source
            continue
        for sentence in SENTENCE.split(line.strip()):
            if len(sentence.split()) >= 4:
                return sentence[:150].rsplit(" ", 1)[0] if len(sentence) > 150 else sentence
    return title.removeprefix("Title: ").strip() or "this topic"


def text_of(content: Any) -> str:
    """A message's text, a string or a list of content parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def constraint(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The schema the server constrains its output to, wherever the request put it."""
    response_format = payload.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
    schema = response_format.get("schema") if response_format.get("type") == "json_object" else None
    vllm = payload.get("guided_json") or (payload.get("structured_outputs") or {}).get("json")
    for found in (schema, payload.get("format"), vllm):
        if isinstance(found, str) and found.strip().startswith("{"):
            found = json.loads(found)
        if isinstance(found, dict):
            return found
    return None


def conform(value: Any, schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """`value` made to fit `schema`, as grammar-constrained decoding would make it."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if options := schema.get("anyOf") or schema.get("oneOf"):
        schema = next((o for o in options if o.get("type") != "null"), options[0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if "enum" in schema:
        return value if value in schema["enum"] else schema["enum"][0]
    if kind == "object" or "properties" in schema:
        given = value if isinstance(value, dict) else {}
        return {k: conform(given.get(k), s, defs) for k, s in schema.get("properties", {}).items()}
    if kind == "array":
        items = value if isinstance(value, list) else []
        return [conform(item, schema.get("items", {}), defs) for item in items]
    fits = {"string": str, "number": int | float, "integer": int, "boolean": bool}.get(kind or "")
    if fits is None or (isinstance(value, fits) and (kind == "boolean") == isinstance(value, bool)):
        return value
    return {"string": "text", "boolean": True}.get(kind or "", 1)


def echo(answer: dict[str, Any], prompt: str, style: str) -> str:
    """A small model's echo of the schema it was shown."""
    decoder, shown, at = json.JSONDecoder(), None, prompt.find("{")
    while style == "verbatim" and at >= 0:
        try:
            shown, end = decoder.raw_decode(prompt, at)
        except ValueError:
            end = at + 1
        at = prompt.find("{", end)
    if shown is not None:
        return json.dumps(shown, ensure_ascii=False)
    return json.dumps({"type": "object", "properties": answer}, ensure_ascii=False)
