"""Changple's pure domain: models, policies, ports and use cases.

Depends on pydantic and the standard library only, so other projects can import it
without pulling any database, HTTP or SDK library.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
