"""A day's source posts as a JSON file: saved by `collect --save`, replayed by `--from`.

Replays make a day reproducible: prompt work on a fixed day, offline runs, bug reports.
A file is checked whole before it is used: each problem names the post and the field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from digestbot.core.errors import ReplayError
from digestbot.core.models import Collection, SourcePost

FORMAT = "digestbot.collection/1"
_FIELD_TYPES = {f.name: f.type for f in fields(SourcePost)}
_REQUIRED = ("id", "source", "title", "url", "created_utc")
_KINDS = {"str": str, "int": int, "bool": bool}


def _post_to_json(post: SourcePost) -> dict[str, Any]:
    data = asdict(post)
    data["created_utc"] = post.created_utc.isoformat()
    return data


def _moment(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise ReplayError(f"{what} must be a time like 2026-11-20T05:00:00+00:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ReplayError(f"{what} is not a time: {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise ReplayError(f"{what} needs a time zone, like +00:00")
    return moment


def _post_from_json(data: object, where: str) -> SourcePost:
    if not isinstance(data, dict):
        raise ReplayError(f"{where} is not an object")
    if unknown := data.keys() - _FIELD_TYPES.keys():
        raise ReplayError(f"{where} has unknown fields {sorted(unknown)}")
    if missing := [name for name in _REQUIRED if name not in data]:
        raise ReplayError(f"{where} lacks {', '.join(missing)}")
    values = {}
    for name, value in data.items():
        if name == "created_utc":
            values[name] = _moment(value, f"{where}.created_utc")
            continue
        kind = _KINDS[str(_FIELD_TYPES[name])]
        if type(value) is not kind:
            raise ReplayError(f"{where}.{name} must be {kind.__name__}, not {value!r:.40}")
        values[name] = value
    return SourcePost(**values)


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
    """The collection saved in `path`; ReplayError says what is wrong with it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReplayError(f"the replay file {path} does not exist") from None
    except IsADirectoryError:
        raise ReplayError(f"the replay file {path} is a folder") from None
    except OSError as exc:
        raise ReplayError(f"cannot read the replay file {path}: {exc.strerror}") from None
    try:
        return _parse(raw, path.name)
    except ReplayError as exc:
        raise ReplayError(
            f"cannot replay {path}: {exc} (make one with `digestbot collect --save`)"
        ) from None


def _parse(raw: bytes, name: str) -> Collection:
    if not raw.strip():
        raise ReplayError("the file is empty")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReplayError("it is not a text file") from None
    except ValueError as exc:
        raise ReplayError(f"it is not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReplayError(f"it is not a {FORMAT} file")
    main, trending = document.get("main"), document.get("trending", [])
    if not isinstance(main, list) or not isinstance(trending, list):
        raise ReplayError('"main" and "trending" must be lists of posts')
    if not main:
        raise ReplayError('it has no posts in "main"')
    return Collection(
        collected_at=_moment(document.get("collected_at"), "collected_at"),
        main=tuple(_post_from_json(p, f"main[{i}]") for i, p in enumerate(main)),
        trending=tuple(_post_from_json(p, f"trending[{i}]") for i, p in enumerate(trending)),
        notes=(f"replayed from {name}",),
    )
