"""Rasa input channels of the bot."""
