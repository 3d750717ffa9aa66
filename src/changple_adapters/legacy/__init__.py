"""Reading a changple2 database (the Django monolith) with SQLAlchemy Core, for the cut-over import."""

from changple_adapters.legacy.reader import SqlLegacySource

__all__ = ["SqlLegacySource"]
