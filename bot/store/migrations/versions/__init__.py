"""One module per schema change, oldest first (``down_revision`` links them)."""
