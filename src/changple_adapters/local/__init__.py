"""Embedded-default adapters for a machine with no keys and no servers."""
