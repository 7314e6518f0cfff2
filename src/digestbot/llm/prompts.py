"""Prompt templates: TOML files a user can edit, shipped inside the package.

The defaults live in `digestbot/prompts/` and are read through the package's loader
(pkgutil.get_data: what importlib.resources does, for a twentieth of its start-up cost),
so they work from a wheel, pipx or uv tool as from a clone. A `prompts_dir` setting
names a folder whose files replace the shipped ones of the same name.

A template declares its variables; loading checks that the text uses exactly those,
and rendering checks that every one is given, so an edit that breaks a prompt fails at
start with the file's name, not halfway through a run.
"""

from __future__ import annotations

import os
import pkgutil
import tomllib
import zlib
from string import Template

from digestbot.core.errors import PromptError

# What digestbot gives each prompt; a prompt may use any of them, and no other. A
# variable added here is one a user's older prompt does without (version 1 of
# topic_analysis had no $earlier: it still loads, and an update is analysed as new).
OFFERED = {
    "topic_analysis": ("title", "community", "body", "earlier"),
    "predictions": ("today", "events"),
}


class PromptTemplate:
    """A loaded prompt. `version` is the declared version and a checksum of the file, so
    editing a prompt invalidates the answers cached with the old text."""

    __slots__ = ("name", "origin", "system", "user", "variables", "version")

    def __init__(
        self,
        name: str,
        version: str,
        variables: frozenset[str],
        system: Template,
        user: Template,
        origin: str,  # where it was read from, for `config check`
    ) -> None:
        self.name, self.version, self.variables = name, version, variables
        self.system, self.user, self.origin = system, user, origin

    def render(self, **values: str) -> list[dict[str, str]]:
        """The messages, from `values`; the ones the prompt does not use are left out."""
        if missing := self.variables - values.keys():
            raise PromptError(f"prompt {self.name!r}: no value for {sorted(missing)}")
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]


def load_prompt(name: str, prompts_dir: str = "") -> PromptTemplate:
    """The prompt `name`: from `prompts_dir` if it has that file, else the shipped one."""
    if prompts_dir:
        if not os.path.isdir(prompts_dir):
            raise PromptError(
                f"prompts_dir {prompts_dir} is not a folder: create it, or remove the setting "
                "to use the shipped prompts"
            )
        path = os.path.join(prompts_dir, f"{name}.toml")
        if os.path.exists(path):
            try:
                with open(path, "rb") as handle:
                    return parse_prompt(name, handle.read(), path)
            except OSError as exc:
                raise PromptError(f"cannot read the prompt {path}: {exc.strerror}") from None
    shipped = pkgutil.get_data("digestbot", f"prompts/{name}.toml")
    if shipped is None:
        raise PromptError(f"the shipped prompt {name}.toml is missing: reinstall digestbot")
    return parse_prompt(name, shipped, f"shipped {name}.toml")


def parse_prompt(name: str, raw: bytes, origin: str) -> PromptTemplate:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PromptError(f"the prompt {origin} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PromptError(f"the prompt {origin} is not valid TOML: {exc}") from None
    try:
        declared = frozenset(data["variables"])
        system, user = Template(data["system"]), Template(data["user"])
        version = str(data["version"])
    except (KeyError, TypeError) as exc:
        raise PromptError(
            f"the prompt {origin} needs version, variables, system and user ({exc} is missing "
            "or of the wrong kind)"
        ) from None
    for part in (system, user):
        if not part.is_valid():
            raise PromptError(
                f"the prompt {origin} has a '$' that is not a variable "
                "(write '$$' for a dollar sign)"
            )
    used = set(system.get_identifiers()) | set(user.get_identifiers())
    offered = OFFERED.get(name, ())
    if unknown := declared - set(offered):
        raise PromptError(
            f"the prompt {origin} uses {', '.join('$' + v for v in sorted(unknown))}, which "
            f"digestbot does not provide (it provides {', '.join('$' + v for v in offered)})"
        )
    if used != declared:
        raise PromptError(
            f"the prompt {origin} declares the variables {sorted(declared)} "
            f"but its text uses {sorted(used)}"
        )
    checksum = f"{zlib.crc32(raw):08x}"  # a change detector; hashlib costs start-up time
    return PromptTemplate(name, f"{version}-{checksum}", declared, system, user, origin)
