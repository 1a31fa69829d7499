"""Packaged rule sets of the commitment service (JSON, one file per rule set)."""
