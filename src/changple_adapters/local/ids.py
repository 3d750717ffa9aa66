"""Record ids from random UUIDs: unique across processes and machines with no coordination."""

from __future__ import annotations

from uuid import uuid4

from changple_domain.ports import IdSource


class RandomIds(IdSource):
    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{uuid4().hex}"
