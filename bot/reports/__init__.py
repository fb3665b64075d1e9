"""Status compilation for chat and CLI, and its renderings."""
