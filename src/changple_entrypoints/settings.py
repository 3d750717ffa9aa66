"""Settings from `CHANGPLE_*` environment variables and `.env`. Secrets are SecretStr, so they
never show up in a repr or a log line."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.settings import build_settings

ENV_PREFIX = "CHANGPLE_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Path(".changple")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty means a SQLite file in the data directory"
    )
    redis_url: str | None = Field(default=None, description="Redis URL; empty means embedded mode")
    redis_namespace: str = Field(default="changple", min_length=1, description="prefix of our Redis keys")
    storage: Literal["sql", "memory"] = "sql"
    worker_threads: int = Field(default=2, ge=1, le=64)

    gemini_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    pinecone_api_key: SecretStr | None = None

    # Ingestion policy: checked by `ingestion_policy()`, which names the variable on a bad value.
    ingestion_min_content_length: int = 30
    ingestion_excluded_boards: list[str] = Field(default_factory=list)
    ingestion_deny_patterns: list[str] = Field(default_factory=list)
    ingestion_require_allowed_author: bool = True
    ingestion_max_attempts: int = 3

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'changple.db').as_posix()}"

    @property
    def embedded(self) -> bool:
        """No Redis: the broker and the worker live inside the serving process."""
        return not self.redis_url

    def ingestion_policy(self) -> IngestionPolicy:
        """The validated policy; a bad value raises InvalidSetting naming the environment variable."""
        return build_settings(
            IngestionPolicy,
            naming=lambda field: f"{ENV_PREFIX}INGESTION_{field.upper()}",
            min_content_length=self.ingestion_min_content_length,
            excluded_boards=frozenset(self.ingestion_excluded_boards),
            deny_patterns=tuple(self.ingestion_deny_patterns),
            require_allowed_author=self.ingestion_require_allowed_author,
            max_attempts=self.ingestion_max_attempts,
        )

    def redacted(self) -> dict[str, object]:
        """What is safe to print: secrets show only whether they are set; URLs lose passwords."""
        out: dict[str, object] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                out[name] = "set" if value.get_secret_value() else "unset"
            elif name.endswith("_url") and isinstance(value, str):
                out[name] = redact_url(value)
            else:
                out[name] = value
        return out


def redact_url(url: str) -> str:
    """Hide the password in `scheme://user:password@host/...`."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
