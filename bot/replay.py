"""A day's source posts as a JSON file: saved by `collect --save`, replayed by `--from`.

Replays make a day reproducible: prompt work on a fixed day, offline runs, bug reports.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.models import Collection, SourcePost

FORMAT = "digestbot.collection/1"
_POST_FIELDS = {f.name for f in fields(SourcePost)}


class ReplayError(Exception):
    pass


def _post_to_json(post: SourcePost) -> dict[str, Any]:
    data = asdict(post)
    data["created_utc"] = post.created_utc.isoformat()
    return data


def _post_from_json(data: dict[str, Any]) -> SourcePost:
    unknown = data.keys() - _POST_FIELDS
    if unknown:
        raise ReplayError(f"unknown post fields {sorted(unknown)}")
    created = datetime.fromisoformat(data["created_utc"])
    if created.tzinfo is None:
        raise ReplayError(f"post {data.get('id')}: created_utc needs a time zone")
    return SourcePost(**{**data, "created_utc": created})


def dumps(collection: Collection) -> str:
    document = {
        "format": FORMAT,
        "collected_at": collection.collected_at.isoformat(),
        "notes": list(collection.notes),
        "main": [_post_to_json(p) for p in collection.main],
        "trending": [_post_to_json(p) for p in collection.trending],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def load(path: Path) -> Collection:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ReplayError(f"not a {FORMAT} file")
        collected_at = datetime.fromisoformat(document["collected_at"])
        return Collection(
            collected_at=collected_at,
            main=tuple(_post_from_json(p) for p in document["main"]),
            trending=tuple(_post_from_json(p) for p in document.get("trending", [])),
            notes=(f"replayed from {path.name}",),
        )
    except ReplayError as exc:
        raise ReplayError(f"{path}: {exc}") from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReplayError(f"cannot replay {path}: {exc}") from exc
