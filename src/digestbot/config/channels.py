"""A channel's own edition: `[channels."<channel id>"]` tables, and what admins set in
chat with `/digest settings` (stored, and winning over the file field by field).

What a profile leaves unset is the default edition's: `[selection] topics`, the prompts'
language, no focus, the platform's `threads`, the schedule's time.
"""

from digestbot.config import rules
from digestbot.config.fields import Section, field


class ChannelSettings(Section):
    topics: int = field(0, ge=0, le=25)  # 0: as [selection] topics
    language: str = field("", check=rules.optional(rules.language))  # "": the prompts' own
    # words or subjects whose topics rank first: "robotics, vision" or a list
    focus: list[str] = field([], words=True)
    threads: bool | str = field("", check=rules.unset_or_bool)  # "": the platform's setting
    time: str = field("", check=rules.optional(rules.clock_time))  # "": the schedule's time

    @classmethod
    def key_problem(cls, key: str) -> str | None:
        return rules.channel_id(key)
