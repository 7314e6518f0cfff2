"""How a run of the pipeline ended: its digest, where it went, and its status, as the
run log records it and the command's exit code tells it."""

from __future__ import annotations

from dataclasses import dataclass

from digestbot.core.models import Digest
from digestbot.core.ports import Published


class RunStatus:
    """How a run ended, as recorded and as the command's exit code tells it."""

    OK = "ok"  # complete, and delivered everywhere it was meant to go
    DEGRADED = "degraded"  # published, with problems (a topic, a channel, the post)
    FAILED = "failed"  # nothing was published
    INTERRUPTED = "interrupted"  # stopped half way (shut down, killed); completed later


INTERRUPTED = "stopped by a shutdown before it finished; the next start completes it"


@dataclass(frozen=True, slots=True)
class Outcome:
    digest: Digest
    created: bool  # False: the day already had a digest and it was kept
    published: tuple[Published, ...]
    seconds: float

    @property
    def problems(self) -> tuple[str, ...]:
        """What needs attention: the digest's own problems, then its deliveries'."""
        delivery = tuple(p for published in self.published for p in published.problems)
        return self.digest.problems + delivery

    @property
    def retry(self) -> bool:
        """Whether a delivery failed in a way that may pass: worth another try later."""
        return any(p.retry for p in self.published)

    @property
    def status(self) -> str:
        if self.published and not any(p.delivered for p in self.published):
            return RunStatus.FAILED
        return RunStatus.DEGRADED if self.problems else RunStatus.OK
