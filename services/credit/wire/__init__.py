"""The one place credit records and domain values become protos: replies and event messages."""
