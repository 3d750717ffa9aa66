"""The operations console at /ops."""
