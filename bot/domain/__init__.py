"""Pure rules and data: no SDK, no HTTP, no SQL."""
