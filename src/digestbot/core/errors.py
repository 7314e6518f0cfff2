"""Every error digestbot means a person to read derives from DigestbotError.

The message is a sentence for the user: what went wrong and, where we know it, what to
do. It never holds a secret. The command line prints it as one line (`-v` adds the
traceback); the bot posts it to the admin channels.
"""

from __future__ import annotations


class DigestbotError(Exception):
    """An error whose message is written for the person running digestbot."""


class UsageError(DigestbotError):
    """A command-line argument that cannot be used as given."""


class ConfigError(DigestbotError):
    """The settings file, the environment or a prompt file is wrong."""


class PromptError(ConfigError):
    """A prompt file cannot be read or uses variables it does not declare."""


class StorageError(DigestbotError):
    """The history database cannot be opened, read or written."""


class ClaimTimeout(StorageError):
    """Another process held a job for longer than we were willing to wait."""


class MissingDigest(DigestbotError):
    """History has no digest for the day asked for."""


class SourceError(DigestbotError):
    """A source could not deliver; the message says which and why."""


class ReplayError(SourceError):
    """A saved collection file cannot be replayed."""


class LLMError(DigestbotError):
    """An LLM call failed, after `requests` requests (each counted in the usage)."""

    def __init__(self, message: str, *, requests: int = 1) -> None:
        super().__init__(message)
        self.requests = requests


class LLMUnavailable(LLMError):
    """The endpoint could not be reached or kept failing after the retries."""


class LLMBusy(LLMError):
    """The server dropped the request unanswered (a one-slot server asked twice at once
    ends the second stream empty): worth asking again with fewer calls at once."""


class LLMOutputError(LLMError):
    """The endpoint answered, but not with usable output (malformed, refused, cut off).

    The tokens the unusable answer still cost are kept, where the endpoint said.
    """

    def __init__(self, message: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        super().__init__(message)
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


class DeliveryError(DigestbotError):
    """A chat platform refused or failed a message, after the client's own retries.

    `permanent` failures (missing access, unknown channel, bad token) will not go away
    by trying again; the others (rate limits, server errors, timeouts) may.
    """

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class PostError(DigestbotError):
    """A blog post that cannot be read back; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


class CommandError(DigestbotError):
    """A /digest request that cannot be answered; the message is for the person who asked."""


class ChartsUnavailable(DigestbotError):
    """Drawing a chart needs the optional `charts` extra."""

    def __init__(self) -> None:
        super().__init__("charts need the optional charts extra: pip install 'digestbot[charts]'")
