"""Where a day's post is read on the blog: Hugo's default permalink for a content file.

A post at `<blog_dir>/<file>.md` whose folder is the section `posts` is served at
`<site_url>/posts/<file>/`, in lower case (Hugo lowercases paths by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath


@dataclass(frozen=True, slots=True)
class BlogAddress:
    site_url: str  # "" when the blog's address is not set: no links
    blog_dir: str
    post_filename: str

    def post_url(self, day: date) -> str:
        """The day's post, or "" without a site URL."""
        if not self.site_url:
            return ""
        section = PurePosixPath(self.blog_dir.replace("\\", "/")).name
        name = PurePosixPath(self.post_filename.format(date=day.isoformat()))
        slug = str(name.with_suffix("")).lower()
        path = f"{section}/{slug}" if section and section != "content" else slug
        return f"{self.site_url.rstrip('/')}/{path}/"
