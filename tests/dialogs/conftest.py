"""Fixtures of the dialog tests: the bot on either workbook backend (``world``)."""

from tests.dialogs.trust_world import world

__all__ = ["world"]
