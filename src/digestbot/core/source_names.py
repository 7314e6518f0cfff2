"""A post's source as readers see it: a module of its own, with no imports, since quick
commands (`digestbot feedback`) name sources too and must start fast."""


def source_name(source: str) -> str:
    """A post's source as readers see it; posts stored before sources had names said
    "reddit:<subreddit>", and an imported post has none ("")."""
    if source.startswith("reddit:"):
        return "r/" + source.removeprefix("reddit:")
    return "" if source == "imported" else source
