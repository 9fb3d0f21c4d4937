"""Stub until the CLI lands."""
