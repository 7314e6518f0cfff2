"""Prompt templates: plain TOML files in prompts/ that a user can edit.

A template declares its variables; loading checks that the text uses exactly
those, and rendering checks that every one is given, so an edit that breaks a
prompt fails at start with the file's name, not halfway through a run.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from string import Template


class PromptError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    name: str
    version: str  # declared version plus a hash of the text: editing a prompt invalidates the cache
    variables: frozenset[str]
    system: Template
    user: Template

    def render(self, **values: str) -> list[dict[str, str]]:
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing or unknown:
            raise PromptError(
                f"prompt {self.name!r}: missing {sorted(missing)}, unexpected {sorted(unknown)}"
            )
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]


def load_prompt(directory: Path, name: str) -> PromptTemplate:
    path = directory / f"{name}.toml"
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PromptError(f"cannot read prompt {path}: {exc}") from exc
    try:
        declared = frozenset(data["variables"])
        system, user = Template(data["system"]), Template(data["user"])
        version = str(data["version"])
    except (KeyError, TypeError) as exc:
        raise PromptError(f"{path}: needs version, variables, system and user ({exc})") from exc
    for part in (system, user):
        if not part.is_valid():
            raise PromptError(
                f"{path}: a '$' that is not a variable (write '$$' for a dollar sign)"
            )
    used = set(system.get_identifiers()) | set(user.get_identifiers())
    if used != declared:
        raise PromptError(
            f"{path}: declared variables {sorted(declared)} but the text uses {sorted(used)}"
        )
    digest = hashlib.sha256(raw).hexdigest()[:8]
    return PromptTemplate(name, f"{version}-{digest}", declared, system, user)


def as_data(text: str, max_tokens: int, tag: str = "source") -> str:
    """Untrusted text made safe to place between <tag> delimiters, cut to about `max_tokens`.

    Counting 4 characters a token is an estimate that needs no tokenizer download.
    """
    limit = max_tokens * 4
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " [truncated]"
    # A source must not be able to close its own delimiter and speak as the prompt.
    return re.sub(rf"<(\s*/?\s*{tag})", r"‹\1", text, flags=re.IGNORECASE)
