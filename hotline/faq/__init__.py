"""The FAQ knowledge base: entries, search and recorded uses."""
