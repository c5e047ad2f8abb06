"""Conversation storage for the Rasa server: an append-only tracker store loaded as a bounded
window, and the per-conversation lock."""
