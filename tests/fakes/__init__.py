"""Shared test doubles: fakes of remote services, domain factories, card checks."""
