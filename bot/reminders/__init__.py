"""Reminders: due items from sources, the schedule, the outbox and the sweep that sends."""
