"""Settings from `CHANGPLE_*` environment variables and `.env`. Secrets are SecretStr, so they
never show up in a repr or a log line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from changple_domain.errors import InvalidSetting
from changple_domain.model.content import UploadLimits
from changple_domain.policies.cost import DEFAULT_PRICES
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.policies.scan import ScanPolicy
from changple_domain.policies.settings import build_settings
from changple_domain.use_cases.content_uploads import ContentConfig
from changple_entrypoints.choices import (
    ENV_PREFIX,
    CafeSourceChoice,
    EmbedderChoice,
    HttpServer,
    OfflineSummarizerChoice,
    Storage,
    SummarizerChoice,
    VectorIndexChoice,
)

EMBEDDED_DATABASE_FILE = "changple.db"  # in the data directory, when no CHANGPLE_DATABASE_URL is set


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Path(".changple")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty means a SQLite file in the data directory"
    )
    redis_url: str | None = Field(default=None, description="Redis URL; empty means embedded mode")
    # Fernet keys that encrypt Naver tokens at rest, comma-separated, newest first (older ones still
    # decrypt). Unset with the embedded SQLite database: a key file in the data directory.
    token_keys: SecretStr | None = None
    redis_namespace: str = Field(default="changple", min_length=1, description="prefix of our Redis keys")
    storage: Storage = Storage.SQL
    # `text` (one escaped line a record) or `json` (one JSON object a line, with the request id);
    # read by logs.py from the environment before settings exist, and checked here.
    log_format: Literal["text", "json"] = "text"
    worker_threads: int = Field(default=2, ge=1, le=64)
    # How soon the messages a dead worker held go back to the queue (Dramatiq's heartbeat timeout),
    # and how long a dead holder keeps a lock (the Redis lock lease, renewed while its holder lives).
    dead_worker_seconds: float = Field(default=60, ge=1, le=3600)
    lock_lease_seconds: float = Field(default=30, gt=0, le=3600)
    http_server: HttpServer = Field(
        default=HttpServer.GRANIAN, description="the HTTP server of `changple serve` (docs/performance.md, HTTP)"
    )
    http_workers: int = Field(
        default=1, ge=1, le=64, description="processes of `changple serve` (granian); above 1 needs Redis"
    )

    # Providers. "auto" picks the real provider when its key is set, else the offline one.
    summarizer: SummarizerChoice = SummarizerChoice.AUTO
    offline_summarizer: OfflineSummarizerChoice = Field(
        default=OfflineSummarizerChoice.LIGHT, description="the offline summarizer's noun finder: light or kiwi"
    )
    embedder: EmbedderChoice = EmbedderChoice.AUTO
    vector_index: VectorIndexChoice = VectorIndexChoice.AUTO
    gemini_api_key: SecretStr | None = None
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_model: str = "text-embedding-3-large"
    openai_base_url: str | None = None
    embedding_dimensions: int = Field(default=1024, ge=8, le=3072, description="for OpenAI's text-embedding-3")
    offline_embedding_dimensions: int = Field(default=512, ge=8, le=4096)
    pinecone_api_key: SecretStr | None = None
    pinecone_host: str | None = None
    pinecone_namespace: str = "posts"
    pinecone_content_namespace: str = Field(default="content", description="Notion content, for recommendations")

    # Pipeline.
    chunk_max_tokens: int = 800
    chunk_overlap_tokens: int = 100
    recover_after_seconds: float = 600
    poll_interval_seconds: float = Field(default=60, gt=0, description="first wait before polling providers again")
    poll_max_interval_seconds: float = Field(default=1800, gt=0, description="longest wait while nothing changes")
    prices_json: str | None = Field(default=None, description="JSON: {model: {standard_input, batch_input, ...}}")

    # Schedule (Asia/Seoul).
    nightly_cron: str = "0 4 * * *"
    poll_every_minutes: int = Field(default=30, ge=1, le=1440)

    # The cafe. "auto" scrapes Naver with Playwright when a cafe URL is set, else reads the snapshot
    # directory (the bundled sample cafe when none is given), which needs no browser and no login.
    cafe_source: CafeSourceChoice = CafeSourceChoice.AUTO
    naver_cafe_url: str | None = Field(default=None, description="for example https://cafe.naver.com/changple")
    naver_club_id: int | None = Field(default=None, gt=0, description="the cafe's numeric club id")
    naver_api_base_url: str = "https://apis.naver.com"
    naver_storage_state: Path | None = Field(
        default=None, description="Playwright storage_state of a logged-in session"
    )
    naver_page_timeout_seconds: float = Field(default=20, gt=0, le=300)
    chromium_path: Path | None = Field(default=Path("/usr/bin/chromium"), description="the browser Playwright drives")
    snapshot_dir: Path | None = Field(default=None, description="saved article pages named <article_id>.html")

    # Naver Login (OAuth 2.0). Every URL is a setting, so tests point the app at a local fake Naver.
    naver_login_client_id: str | None = None
    naver_login_client_secret: SecretStr | None = None
    naver_login_redirect_uri: str | None = Field(
        default=None,
        description="the callback URL registered with Naver: https://<api host>/api/v1/auth/naver/callback/",
    )
    naver_login_authorize_url: str = "https://nid.naver.com/oauth2.0/authorize"
    naver_login_token_url: str = "https://nid.naver.com/oauth2.0/token"  # noqa: S105 - a URL
    naver_login_profile_url: str = "https://openapi.naver.com/v1/nid/me"
    naver_login_revoke_url: str = "https://nid.naver.com/oauth2.0/revoke"
    naver_login_timeout_seconds: float = Field(default=10, gt=0, le=120)
    login_state_max_age_seconds: int = Field(default=600, ge=1, le=3600, description="time to finish a login")
    revocation_retry_minutes: int = Field(default=60, ge=1, le=1440, description="retry of queued revocations")

    # Browser sessions, CSRF, CORS and the frontend.
    frontend_url: str | None = Field(
        default=None, description="where a browser lands after login; unset: the callback answers JSON"
    )
    cors_origins: list[str] = Field(default_factory=list, description="frontend origins allowed with credentials")
    session_max_age_seconds: int = Field(default=14 * 24 * 3600, ge=1, description="a session lasts this long")
    session_cookie_secure: bool | None = Field(
        default=None, description="unset: Secure when the login redirect URI or the frontend URL is https"
    )
    csrf_secret: SecretStr | None = Field(
        default=None, description="signs CSRF tokens; unset: a key file in the data directory"
    )
    chat_ticket_secret: SecretStr | None = Field(
        default=None, description="signs chat tickets; unset: a key file in the data directory"
    )
    chat_ticket_seconds: int = Field(
        default=300, ge=10, le=3600, description="how long a chat ticket (POST /api/v1/chat/tickets/) lasts"
    )
    auth_rate_limit_per_minute: int = Field(
        default=60, ge=1, description="per client address, on login, callback and withdrawal together"
    )
    # Search and recommendations query the vector index (search also pays the embedding provider):
    # a budget per caller and route, a minute long; 0 lifts the limit for that kind of caller.
    search_rate_limit_per_minute: int = Field(default=30, ge=0, description="per anonymous client address (IPv6: /64)")
    search_rate_limit_signed_in_per_minute: int = Field(default=60, ge=0, description="per signed-in user")
    search_rate_limit_token_per_minute: int = Field(
        default=1200, ge=0, description="per service token (the chat agent)"
    )
    search_embedding_cache_entries: int = Field(
        default=1000, ge=0, description="distinct search queries whose embedding each process keeps; 0: off"
    )
    ops_login_link_minutes: float = Field(
        default=15, gt=0, le=1440, description="how long the console's one-time login link (embedded mode) lasts"
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, le=100 * 1024 * 1024, description="the largest body a route takes (not uploads)"
    )

    # Notion content uploads: every limit of `content_config()`, checked there.
    content_max_upload_mb: float = Field(default=100, description="the zip as sent")
    content_max_entries: int = Field(default=2000, description="files and folders in one export")
    content_max_total_mb: float = Field(default=500, description="everything in the export, uncompressed")
    content_max_compression_ratio: float = Field(default=100, description="uncompressed / compressed, per file")
    content_max_image_pixels: int = Field(default=40_000_000, description="above it an image is a bomb")
    content_max_image_side: int = Field(default=2560, description="longer image sides are scaled down to this")
    content_thumbnail_side: int = 640
    content_view_window_minutes: float = Field(default=30, description="repeat views within it count once")
    content_attachment_max_chars: int = Field(default=30_000, description="plain text handed to the chat, in all")
    content_stuck_minutes: float = Field(default=30, description="an upload not processed by then is queued again")
    public_api_url: str = Field(
        default="", description="the API's public origin, in front of content file links; empty: same origin"
    )

    # Scanning (politeness included): checked by `scan_policy()`.
    scan_first_article_id: int | None = Field(
        default=None, description="where the first scan starts; unset: 1, or a snapshot's lowest id"
    )
    scan_max_new_per_run: int = 500
    scan_stop_after_missing: int = 50
    scan_max_error_attempts: int = 3
    scan_refresh_days: int = 7
    scan_max_refresh_per_run: int = 500
    scan_delay_min_seconds: float = 0.6
    scan_delay_max_seconds: float = 1.2
    scan_concurrency: int = 1
    scan_time_budget_seconds: float = 1800
    scan_busy_retry_seconds: float = Field(default=60, gt=0, le=3600)

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
        return f"sqlite:///{(self.data_dir / EMBEDDED_DATABASE_FILE).as_posix()}"

    def check_web(self) -> None:
        """The browser-facing settings make sense together; InvalidSetting names the variable."""
        frontend = self.frontend_url
        if frontend is not None and not frontend.lower().startswith(("http://", "https://", "/")):
            raise InvalidSetting(
                f"setting '{ENV_PREFIX}FRONTEND_URL' must be an absolute URL such as https://changple.com/ "
                f"(or a path on this server), not {frontend!r}"
            )
        for origin in self.cors_origins:
            if origin == "*":
                raise InvalidSetting(
                    f"setting '{ENV_PREFIX}CORS_ORIGINS' cannot be '*': sessions need credentials, which browsers "
                    'refuse for any origin; list the frontend origins, e.g. ["https://changple.com"]'
                )
            if not origin.lower().startswith(("http://", "https://")) or origin.rstrip("/").count("/") > 2:
                raise InvalidSetting(
                    f"setting '{ENV_PREFIX}CORS_ORIGINS' holds {origin!r}: an origin is scheme://host[:port], "
                    "with no path"
                )

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure when the site is served over https (or when told so)."""
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        public = (self.naver_login_redirect_uri or "", self.frontend_url or "")
        return any(url.lower().startswith("https://") for url in public)

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

    def scan_policy(self) -> ScanPolicy:
        """The validated scan policy; a bad value raises InvalidSetting naming the variable."""
        fields = (
            "first_article_id",
            "max_new_per_run",
            "stop_after_missing",
            "max_error_attempts",
            "refresh_days",
            "max_refresh_per_run",
            "delay_min_seconds",
            "delay_max_seconds",
            "concurrency",
            "time_budget_seconds",
        )
        return build_settings(
            ScanPolicy,
            # The one whole-model rule compares the delays, so an unnamed problem is about them.
            naming=lambda field: f"{ENV_PREFIX}SCAN_{(field or 'delay_min_seconds').upper()}",
            **{name: value for name in fields if (value := getattr(self, f"scan_{name}")) is not None},
        )

    def content_config(self) -> ContentConfig:
        """The validated content settings; a bad value raises InvalidSetting naming the variable."""
        mib = 1024 * 1024
        limits = build_settings(
            UploadLimits,
            naming=lambda field: {
                "max_upload_bytes": f"{ENV_PREFIX}CONTENT_MAX_UPLOAD_MB",
                "max_total_bytes": f"{ENV_PREFIX}CONTENT_MAX_TOTAL_MB",
            }.get(field, f"{ENV_PREFIX}CONTENT_{field.upper()}"),
            max_upload_bytes=int(self.content_max_upload_mb * mib),
            max_entries=self.content_max_entries,
            max_total_bytes=int(self.content_max_total_mb * mib),
            max_compression_ratio=self.content_max_compression_ratio,
            max_image_pixels=self.content_max_image_pixels,
            max_image_side=self.content_max_image_side,
            thumbnail_side=self.content_thumbnail_side,
        )
        base = self.public_api_url.rstrip("/")
        if base and not base.lower().startswith(("http://", "https://")):
            raise InvalidSetting(f"setting '{ENV_PREFIX}PUBLIC_API_URL' must start with http:// or https://")
        names = {
            "view_window": "CONTENT_VIEW_WINDOW_MINUTES",
            "attachment_max_chars": "CONTENT_ATTACHMENT_MAX_CHARS",
            "stuck_after": "CONTENT_STUCK_MINUTES",
        }
        return build_settings(
            ContentConfig,
            naming=lambda field: ENV_PREFIX + names.get(field, field.upper()),
            limits=limits,
            asset_url_template=base + "/api/v1/content/{content_id}/files/",
            view_window=timedelta(minutes=self.content_view_window_minutes),
            attachment_max_chars=self.content_attachment_max_chars,
            stuck_after=timedelta(minutes=self.content_stuck_minutes),
        )

    def pipeline_config(self) -> PipelineConfig:
        """The validated pipeline settings; a bad value raises InvalidSetting naming the variable."""
        values: dict[str, Any] = {
            "max_attempts": self.ingestion_max_attempts,
            "chunking": {"max_tokens": self.chunk_max_tokens, "overlap_tokens": self.chunk_overlap_tokens},
            "recover_after_seconds": self.recover_after_seconds,
        }
        if self.prices_json:
            try:
                values["prices"] = {**DEFAULT_PRICES, **json.loads(self.prices_json)}
            except json.JSONDecodeError as exc:
                raise InvalidSetting(f"setting '{ENV_PREFIX}PRICES_JSON' is not JSON: {exc.msg}") from exc
        names = {
            "chunking.max_tokens": "CHUNK_MAX_TOKENS",
            "chunking.overlap_tokens": "CHUNK_OVERLAP_TOKENS",
            "chunking": "CHUNK_OVERLAP_TOKENS",
            "max_attempts": "INGESTION_MAX_ATTEMPTS",
        }
        return build_settings(
            PipelineConfig, naming=lambda field: ENV_PREFIX + names.get(field, field.split(".")[0].upper()), **values
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
