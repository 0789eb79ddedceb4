"""Enquiries: questions routed from a call to the coordinator responsible."""
