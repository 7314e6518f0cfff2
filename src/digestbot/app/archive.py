"""The blog's archive and history: old posts imported, posts written again from history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from digestbot.app.wiring import Wiring
from digestbot.core.errors import PostError
from digestbot.core.ports import Published


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


def import_posts(wiring: Wiring, paths: list[Path]) -> ImportReport:
    """Old blog posts into history, marked as imported; a second import changes nothing."""
    from digestbot.blog.importer import parse_post

    files = post_files(paths)
    report = ImportReport(files=len(files))
    with wiring.open_store() as store:
        for file in files:
            try:
                post = parse_post(file.read_bytes().decode("utf-8", errors="replace"))
            except PostError as exc:
                report.failed.append(f"{file}: {exc}")
                continue
            except OSError as exc:
                report.failed.append(f"{file}: cannot read it ({exc.strerror})")
                continue
            report.warnings += [f"{file}: {w}" for w in post.warnings]
            existing = store.digests.load(post.digest.day)
            if existing == post.digest:
                report.unchanged += 1
            elif existing is not None and not store.digests.is_imported(post.digest.day):
                report.kept.append(f"{file}: {post.digest.day} has a digest made here; kept it")
            else:
                store.digests.save(post.digest, run_id=None, imported=True)
                report.imported += 1
    return report


async def export(
    wiring: Wiring, since: date | None, until: date | None, folder: Path | None = None
) -> list[Published]:
    """Write the posts of a range of history again; the same history, the same bytes."""
    blog = wiring.blog(folder)
    with wiring.open_store(read_only=True) as store:
        digests = [store.digests.load(day) for day in store.digests.days(since, until)]
    return [await blog.publish(d) for d in digests if d is not None]
