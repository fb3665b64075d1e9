"""Internkontroll-boten: the application, domain model and services."""
