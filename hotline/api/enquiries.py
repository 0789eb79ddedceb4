"""Enquiries through the API: list, read, answer, reassign."""
from . import bp  # noqa: F401
