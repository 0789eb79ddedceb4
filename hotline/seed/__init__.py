"""Seed data: the reference data every deployment needs, and the demo set for `make run`."""
