"""digestbot: a daily digest of a field's news, analysed by an LLM, published where a
team reads (Discord, Slack, a Hugo blog), and remembered in SQLite."""

__version__ = "0.2.0"
