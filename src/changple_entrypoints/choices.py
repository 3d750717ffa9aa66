"""The choices a setting or a command option offers, in a module of their own: the CLI's options
need them to parse (and `--help` to print) without loading pydantic-settings and the settings
model."""

from __future__ import annotations

from enum import StrEnum

ENV_PREFIX = "CHANGPLE_"


class Storage(StrEnum):
    SQL = "sql"  # SQLite in the data directory, or the database at CHANGPLE_DATABASE_URL
    MEMORY = "memory"  # process memory: tests and throwaway runs


class HttpServer(StrEnum):
    GRANIAN = "granian"
    UVICORN = "uvicorn"


class SummarizerChoice(StrEnum):
    AUTO = "auto"  # Gemini when its key is set, else offline
    GEMINI = "gemini"
    OFFLINE = "offline"
    MEMORY = "memory"


class OfflineSummarizerChoice(StrEnum):
    """How the offline summarizer finds Korean nouns (docs/configuration.md)."""

    LIGHT = "light"  # pure-Python particle stripping: under a millisecond a post, no model in memory
    KIWI = "kiwi"  # kiwipiepy's morphological analysis: closer nouns, about 300 MB more memory and 10-20 ms a post


class EmbedderChoice(StrEnum):
    AUTO = "auto"  # OpenAI when its key is set, else offline
    OPENAI = "openai"
    OFFLINE = "offline"
    MEMORY = "memory"


class VectorIndexChoice(StrEnum):
    AUTO = "auto"  # Pinecone when its key is set, else LanceDB
    PINECONE = "pinecone"
    LANCE = "lance"
    MEMORY = "memory"


class CafeSourceChoice(StrEnum):
    AUTO = "auto"  # Playwright when a cafe URL is set, else the snapshot
    PLAYWRIGHT = "playwright"
    SNAPSHOT = "snapshot"
