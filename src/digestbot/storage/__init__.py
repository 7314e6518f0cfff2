"""SQLite history: `store` for the bot (read and write), `reader` for reading only."""
