"""Conversation storage for the Rasa server: append-only, loaded as a bounded window."""
