"""Ids and row counts as every store keeps them: signed 64-bit integers (Postgres BIGINT, SQLite
INTEGER). A larger number can name nothing, and a store refuses it with an overflow instead of
saying so: edges check ids and offsets against `MAX_ID` before they reach a repository."""

from typing import Final

MAX_ID: Final = 2**63 - 1
