"""The blog's archive and history: old posts imported, posts written again from history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from digestbot.app.wiring import Wiring
from digestbot.core.errors import PostError
from digestbot.core.links import with_links
from digestbot.core.models import Digest
from digestbot.core.ports import Published

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.storage.store import Store


@dataclass
class ImportReport:
    files: int = 0  # post files found
    imported: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # days that have a digest made by the bot
    failed: list[str] = field(default_factory=list)  # "file: line N: why"
    warnings: list[str] = field(default_factory=list)  # parts of posts left out


def post_files(paths: list[Path]) -> list[Path]:
    """The Markdown files named, and those inside the folders named, in a stable order."""
    return [p for path in paths for p in (sorted(path.rglob("*.md")) if path.is_dir() else [path])]


CHUNK = 250  # posts saved in one transaction: a transaction a post made the import slow
WRITING = 8  # posts written at once by export


def import_posts(wiring: Wiring, paths: list[Path]) -> ImportReport:
    """Old blog posts into history, marked as imported; a second import changes nothing."""
    files = post_files(paths)
    report = ImportReport(files=len(files))
    with wiring.open_store() as store:
        present = set(store.digests.days())
        for start in range(0, len(files), CHUNK):
            with store.db.transaction(), store.search.reindexing() as saved:
                for file in files[start : start + CHUNK]:
                    _import_post(store, file, present, report, saved)
    return report


def _import_post(
    store: Store, file: Path, present: set[date], report: ImportReport, saved: set[date]
) -> None:
    """One post into history, unless it is there already or the day has a digest made by
    the bot; `present` holds the days with a digest (only those are read to compare), and
    `saved` gets the days saved."""
    from digestbot.blog.importer import parse_post

    try:
        post = parse_post(file.read_bytes().decode("utf-8", errors="replace"))
    except PostError as exc:
        report.failed.append(f"{file}: {exc}")
        return
    except OSError as exc:
        report.failed.append(f"{file}: cannot read it ({exc.strerror})")
        return
    report.warnings += [f"{file}: {w}" for w in post.warnings]
    day = post.digest.day
    existing = store.digests.load(day) if day in present else None
    if existing == post.digest:
        report.unchanged += 1
    elif existing is not None and not store.digests.is_imported(day):
        report.kept.append(f"{file}: {day} has a digest made here; kept it")
    else:
        store.digests.save(post.digest, run_id=None, imported=True)
        present.add(day)
        saved.add(day)
        report.imported += 1


async def export(
    wiring: Wiring, since: date | None, until: date | None, folder: Path | None = None
) -> list[Published]:
    """Write the posts of a range of history again; the same history, the same bytes.
    Posts are written several at once (each waits on the disk for its own)."""
    import asyncio

    blog = wiring.blog(folder)
    with wiring.open_store(read_only=True) as store:
        loaded = [store.digests.load(day) for day in store.digests.days(since, until)]
    # The blog's addresses as generate writes them: an update's line links its first post.
    digests = [with_links(d, wiring.post_url) for d in loaded if d is not None]
    writing = asyncio.Semaphore(WRITING)

    async def publish(digest: Digest) -> Published:
        async with writing:
            return await blog.publish(digest)

    return await asyncio.gather(*(publish(d) for d in digests))
