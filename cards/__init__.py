"""Adaptive Cards: pure functions from domain data to card JSON (dicts)."""
