"""Adapters: the outside world behind the domain's ports (SQL, providers, local and in-memory)."""
