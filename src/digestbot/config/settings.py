"""What can be set, with its default and its rules: every section of digestbot.toml.

`digestbot.example.toml` and `.env.example` list the same settings with the same
defaults (a test keeps them in step). The defaults match the blog this project continues.
"""

# The annotations below are the fields' types, read when each class is made.
from digestbot.config import rules
from digestbot.config.channels import ChannelSettings
from digestbot.config.fields import Section, field
from digestbot.config.sources import USER_AGENT, SourceSettings, list_problems

DEFAULT_COVER = (
    "https://user-images.githubusercontent.com/35503959/"
    "230746459-e1513798-69aa-49fb-8c88-990ee42136e9.png"
)
DEFAULT_NOTICE = (
    "*Notice:* This post has been automatically generated and does not reflect the views"
    " of the site owner, nor does it claim to be accurate."
)


class StorageSettings(Section):
    database: str = field("digestbot.db", check=rules.not_blank)
    blog_dir: str = field("blog/content/posts", check=rules.not_blank)
    post_filename: str = field("{date}-ai-auto-summary.md", check=rules.post_filename)


class RedditSettings(Section):
    main_subreddit: str = field("MachineLearning", check=rules.subreddit)
    trending_subreddit: str = field("machinelearningnews", check=rules.subreddit)
    trending_listing: str = field("hot", choices=("hot", "top", "new", "rising"))
    fetch_limit: int = field(25, ge=1, le=100)
    user_agent: str = field(USER_AGENT, check=rules.not_blank)
    oauth_url: str = field("https://oauth.reddit.com", check=rules.web_url)
    reddit_url: str = field("https://www.reddit.com", check=rules.web_url)
    timeout_seconds: float = field(20.0, gt=0, le=600)


class SelectionSettings(Section):
    topics: int = field(5, ge=1, le=25)
    trending_min: int = field(3, ge=0, le=50)
    trending_max: int = field(5, ge=0, le=50)
    trending_lookback_days: int = field(7, ge=0, le=3650)
    max_age_hours: float = field(48.0, gt=0, le=24 * 365)
    min_score: int = 0
    max_per_source: int = field(0, ge=0, le=25)  # topics from one source at most; 0: any
    learn_from_feedback: bool = False  # past 👍/👎 weigh the ranking of sources and subjects

    def problems(self) -> list[str]:
        if self.trending_min > self.trending_max:
            return ["trending_min is larger than trending_max"]
        return []


class ArticlesSettings(Section):
    """Reading the page a link post points to, to give its text to the LLM."""

    enabled: bool = True
    # Private, loopback and link-local addresses are refused unless this is true.
    allow_private_hosts: bool = False
    timeout_seconds: float = field(15.0, gt=0, le=600)
    max_bytes: int = field(3_000_000, ge=10_000, le=100_000_000)
    user_agent: str = field(
        "digestbot/0.2 (a daily news digest; reads the pages posts link to)",
        check=rules.not_blank,
    )


class StoriesSettings(Section):
    """Recognising a story the digest covered recently, and two posts about one story."""

    lookback_days: int = field(14, ge=0, le=3650)
    on_repeat: str = field("update", choices=("update", "skip"))
    title_similarity: float = field(0.55, ge=0, le=1)
    text_similarity: float = field(0.7, ge=0, le=1)
    embeddings: str = field("auto", choices=("auto", "off"))
    embedding_model: str = "text-embedding-3-small"
    embedding_similarity: float = field(0.85, ge=0, le=1)


class LLMSettings(Section):
    base_url: str = field("", check=rules.optional(rules.web_url))  # else $OPENAI_BASE_URL
    model: str = field("gpt-4o-mini", check=rules.not_blank)
    structured_output: str = field("auto", choices=("auto", "json_schema", "json_object"))
    # "auto": adapts to what the server keeps pace with; a number fixes it
    concurrency: int | str = field("auto", check=rules.auto_or_count(1, 64))
    # The model's context window; 0: as the server says (llama.cpp, Ollama, vLLM, LM Studio)
    context_tokens: int = field(0, ge=0, le=10_000_000)
    timeout_seconds: float = field(60.0, gt=0, le=3600)
    max_retries: int = field(3, ge=0, le=10)
    temperature: float = field(0.7, ge=0, le=2)
    max_output_tokens: int = field(700, ge=64, le=100_000)
    # An analysis whose quotes are not in its source, after one more try: published
    # labelled as unverified, or left out (the topic shows its source's excerpt).
    unverified: str = field("label", choices=("label", "leave_out"))
    source_budget_tokens: int = field(2000, ge=50, le=100_000)
    price_input_per_mtok: float = field(0.15, ge=0)
    price_output_per_mtok: float = field(0.60, ge=0)
    # What the LLM may cost, in USD, by the prices above; 0: no cap. A run that would
    # pass a cap makes a labelled headline edition and tells the admins.
    daily_budget_usd: float = field(0.0, ge=0)
    monthly_budget_usd: float = field(0.0, ge=0)


class PredictionSettings(Section):
    events: list[str] = field(["Artificial general intelligence", "Technological singularity"])


class BlogSettings(Section):
    """The post's front matter and fixed text; the defaults are the blog's own."""

    title: str = "[Daily Automated AI Summary]"
    author: str = "Blog Agent"
    tags: list[str] = field(["daily ai summary", "automated content"])
    draft: bool = False
    show_toc: bool = True
    toc_open: bool = False
    show_reading_time: bool = True
    show_word_count: bool = True
    cover_image: str = DEFAULT_COVER
    cover_alt: str = "singing birds"
    cover_hidden: bool = True
    notice: str = DEFAULT_NOTICE
    # The blog's address (e.g. https://example.github.io): digests, search results and
    # chat answers link to each day's post under it.
    site_url: str = field("", check=rules.optional(rules.web_url))
    link_sources: bool = False  # link each topic's discussion and article in the post
    show_quotes: bool = False  # show each topic's quotes from its source in the post


class DiscordSettings(Section):
    channels: list[str] = field([], check=rules.discord_ids)
    threads: bool = False
    admin_channel: str = field("", check=rules.discord_id)
    admins: list[str] = field([], check=rules.discord_ids)
    api_base_url: str = field("https://discord.com/api/v10", check=rules.web_url)
    gateway_url: str = field("wss://gateway.discord.gg/", check=rules.websocket_url)


class SlackSettings(Section):
    channels: list[str] = field([], check=rules.slack_channels)
    threads: bool = False
    admin_channel: str = field("", check=rules.slack_channel)
    admins: list[str] = field([], check=rules.slack_users)
    mode: str = field("socket", choices=("socket", "http"))
    http_host: str = field("127.0.0.1", check=rules.not_blank)
    http_port: int = field(3000, ge=1, le=65535)
    http_path: str = "/slack/events"
    api_base_url: str = field("https://slack.com/api/", check=rules.web_url)


class FeedbackSettings(Section):
    """Reactions to a topic's message that count as votes (Discord's emoji, Slack's
    names; a Slack skin tone counts as its emoji)."""

    up: list[str] = field(["👍", "+1", "thumbsup"], check=rules.not_empty_list)
    down: list[str] = field(["👎", "-1", "thumbsdown"], check=rules.not_empty_list)


class ApprovalSettings(Section):
    """A draft to the admin channels first, published when an admin approves it."""

    enabled: bool = False
    deadline: int = field(0, ge=0, le=7 * 24 * 60)  # minutes after the draft; 0: none
    on_deadline: str = field("publish", choices=("publish", "skip"))


class DeliverySettings(Section):
    concurrency: int = field(8, ge=1, le=100)
    pace_seconds: float = field(1.0, ge=0, le=60)


class ScheduleSettings(Section):
    enabled: bool = True
    time: str = field("05:30", check=rules.clock_time)
    days: str = field("mon-sun", check=rules.cron_days)
    timezone: str = field("UTC", check=rules.time_zone)
    misfire_grace_seconds: int = field(3600, ge=1, le=86_400)
    retry_seconds: float = field(300.0, ge=1, le=86_400)  # a failed collection, again
    shutdown_grace_seconds: float = field(60.0, ge=0, le=3600)


class CommandSettings(Section):
    cooldown_seconds: float = field(300.0, ge=0)


class Settings(Section):
    """Everything that is not a secret: the TOML file, then DIGESTBOT_<SECTION>__<KEY>."""

    prompts_dir: str = ""  # a folder whose prompt files replace the shipped ones
    storage: StorageSettings = StorageSettings()
    reddit: RedditSettings = RedditSettings()
    # [[sources]] tables; none: the pair [reddit] names
    sources: list[SourceSettings] = field([])
    selection: SelectionSettings = SelectionSettings()
    articles: ArticlesSettings = ArticlesSettings()
    stories: StoriesSettings = StoriesSettings()
    llm: LLMSettings = LLMSettings()
    predictions: PredictionSettings = PredictionSettings()
    blog: BlogSettings = BlogSettings()
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    # [channels."<channel id>"] tables: a channel's own edition
    channels: dict[str, ChannelSettings] = field({})
    feedback: FeedbackSettings = FeedbackSettings()
    approval: ApprovalSettings = ApprovalSettings()
    delivery: DeliverySettings = DeliverySettings()
    schedule: ScheduleSettings = ScheduleSettings()
    commands: CommandSettings = CommandSettings()

    def problems(self) -> list[str]:
        found = list_problems(self.sources)
        if self.approval.enabled and not (self.discord.admin_channel or self.slack.admin_channel):
            found.append(
                "approval: enabled, but there is no admin channel for its drafts: set "
                "discord.admin_channel or slack.admin_channel"
            )
        elif self.approval.enabled and not (
            self.discord.admins or self.slack.admins or self.approval.deadline
        ):
            found.append(
                "approval: enabled, but no one may approve (discord.admins, slack.admins) "
                "and there is no approval.deadline: no digest would ever be published"
            )
        return found
