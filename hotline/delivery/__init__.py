"""Delivery of an answer to the resident (SPEC 3, 5.7): by e-mail through the outbox, by phone
through a call-back task, or not at all (the resident looks it up); its state and attempts."""
