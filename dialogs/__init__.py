"""Conversation flows: what happens on each message and card action."""
