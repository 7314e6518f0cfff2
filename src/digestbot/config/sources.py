"""The `[[sources]]` list: what each source is, and the list in force.

Without a `[[sources]]` table the blog's own pair is read, as `[reddit]` says: its main
subreddit's top posts of the day for topics, its trending subreddit for trending titles.
"""

from digestbot.config import rules
from digestbot.config.fields import Section, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.config.settings import Settings

KINDS = ("reddit", "feed", "arxiv", "hackernews")
ROLES = ("topics", "trending")
USER_AGENT = "python:digestbot:0.2 (a daily digest bot)"
# What each kind reads to know where to look; and the kinds each such setting is for.
_NEEDS = {"reddit": "subreddit", "feed": "url", "arxiv": "category"}
_FOR_KINDS = {
    "subreddit": ("reddit",),
    "url": ("feed",),
    "category": ("arxiv",),
    "listing": ("reddit", "hackernews"),
}
LISTINGS = {"reddit": ("top", "hot", "new", "rising"), "hackernews": ("top", "best")}


class SourceSettings(Section):
    """One `[[sources]]` table."""

    kind: str = field("", choices=KINDS)
    name: str = ""  # shown to readers; by default "r/<subreddit>", the feed's host, ...
    role: str = field("topics", choices=ROLES)
    weight: float = field(1.0, ge=0, le=100)
    subreddit: str = field("", check=rules.optional(rules.subreddit))
    url: str = field("", check=rules.optional(rules.web_url))
    category: str = field("", check=rules.optional(rules.arxiv_category))
    # reddit: top (of the day) for topics, hot for trending; hackernews: top or best
    listing: str = ""
    api_url: str = field("", check=rules.optional(rules.web_url))  # moves the kind's base
    fetch_limit: int = field(25, ge=1, le=100)
    timeout_seconds: float = field(20.0, gt=0, le=600)
    user_agent: str = field(USER_AGENT, check=rules.not_blank)

    def problems(self) -> list[str]:
        if not self.kind:
            return [f"kind is required: one of {', '.join(KINDS)}"]
        found = []
        if (needed := _NEEDS.get(self.kind)) and not getattr(self, needed):
            found.append(f"{_a(self.kind)} source needs {needed}")
        for setting, kinds in _FOR_KINDS.items():
            if getattr(self, setting) and self.kind not in kinds:
                found.append(f"{setting} is not read by {_a(self.kind)} source")
        allowed = LISTINGS.get(self.kind, ())
        if self.listing and allowed and self.listing not in allowed:
            found.append(f"listing must be one of {', '.join(allowed)} (got {self.listing!r})")
        return found

    @property
    def shown_name(self) -> str:
        """The name readers see: `name`, else one made from where it reads."""
        if self.name.strip():
            return " ".join(self.name.split())
        if self.kind == "reddit":
            return f"r/{self.subreddit}"
        if self.kind == "feed":
            from urllib.parse import urlsplit  # only a feed's name needs it: not at start

            return (urlsplit(self.url).hostname or self.url).removeprefix("www.")
        if self.kind == "arxiv":
            return f"arXiv {self.category}"
        return "Hacker News" + (" (best)" if self.listing == "best" else "")

    def where(self, reddit_api: bool) -> str:
        """Where it reads, in words: "r/X (top) through the API", "the feed at URL"."""
        if self.kind == "reddit":
            through = "the Reddit API" if reddit_api else "public RSS (no Reddit credentials)"
            return f"subreddit {self.subreddit} ({self.chosen_listing}) through {through}"
        if self.kind == "feed":
            return f"the feed at {self.url}"
        if self.kind == "arxiv":
            return f"arXiv's newest in {self.category}"
        return f"Hacker News {self.chosen_listing} stories"

    @property
    def chosen_listing(self) -> str:
        if self.listing:
            return self.listing
        return "top" if self.kind == "hackernews" or self.role == "topics" else "hot"


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def list_problems(sources: list[SourceSettings]) -> list[str]:
    """What is wrong with the list as a whole (each table is checked on its own)."""
    if not sources:
        return []
    found = []
    if not any(s.role == "topics" for s in sources):
        found.append('sources: none has role = "topics": a digest needs topics')
    names = [s.shown_name.casefold() for s in sources]
    if twice := sorted({s.shown_name for s in sources if names.count(s.shown_name.casefold()) > 1}):
        found.append(f"sources: two are named {twice[0]!r}: give each a name of its own")
    return found


def sources_in_force(settings: "Settings") -> list[SourceSettings]:
    """`[[sources]]`, else the pair `[reddit]` names."""
    if settings.sources:
        return list(settings.sources)
    r = settings.reddit
    shared = {
        "kind": "reddit",
        "fetch_limit": r.fetch_limit,
        "timeout_seconds": r.timeout_seconds,
        "user_agent": r.user_agent,
    }
    return [
        SourceSettings(subreddit=r.main_subreddit, role="topics", listing="top", **shared),
        SourceSettings(
            subreddit=r.trending_subreddit,
            role="trending",
            listing=r.trending_listing,
            **shared,
        ),
    ]
