"""Command-line entry points (`eva run`, `eva eval`)."""
