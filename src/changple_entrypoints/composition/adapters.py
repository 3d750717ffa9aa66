"""Which adapter serves each port, chosen from settings: every choice the composition root makes is
a function here, and nowhere else. "auto" means the real provider when its key is set, else the
embedded offline one, so a machine with no keys works. Adapter and SDK imports happen inside the
functions, only for the adapter actually chosen, so importing this module costs nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from changple_domain.errors import InvalidSetting
from changple_domain.policies.packing import BatchLimits
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.policies.scan import ScanPolicy
from changple_domain.ports import (
    BatchEmbedder,
    BatchSummarizer,
    CafeSource,
    Clock,
    ContentChanges,
    ExportProcessor,
    FileStorage,
    LoginLinkStore,
    Mutex,
    OAuthProvider,
    VectorIndex,
)
from changple_entrypoints.choices import (
    ENV_PREFIX,
    CafeSourceChoice,
    EmbedderChoice,
    OfflineSummarizerChoice,
    Storage,
    SummarizerChoice,
    VectorIndexChoice,
)
from changple_entrypoints.settings import Settings

if TYPE_CHECKING:
    from litestar.stores.base import Store

    from changple_adapters.sql.token_cipher import TokenCipher

DEFAULT_CAFE_URL = "https://cafe.naver.com/changple"
# The offline providers do their work in this process, at submit (summaries) and while results are
# read (vectors): a provider-sized batch (10,000 summaries, 50,000 chunks) would sit in memory at once.
OFFLINE_SUMMARY_BATCH = BatchLimits(max_requests=1000, max_bytes=200_000_000)
OFFLINE_EMBEDDING_BATCH = BatchLimits(max_requests=2000, max_bytes=20_000_000, max_inputs=2000)


def _secret(settings: Settings, name: str) -> str:
    text = _setting_text(settings, name)
    if not text:
        raise InvalidSetting(f"setting '{ENV_PREFIX}{name.upper()}' is required for this provider")
    return text


def _has_key(settings: Settings, name: str) -> bool:
    key = getattr(settings, name)
    return key is not None and bool(key.get_secret_value())


def chosen_summarizer(settings: Settings) -> SummarizerChoice:
    if settings.summarizer != SummarizerChoice.AUTO:
        return settings.summarizer
    return SummarizerChoice.GEMINI if _has_key(settings, "gemini_api_key") else SummarizerChoice.OFFLINE


def chosen_embedder(settings: Settings) -> EmbedderChoice:
    if settings.embedder != EmbedderChoice.AUTO:
        return settings.embedder
    return EmbedderChoice.OPENAI if _has_key(settings, "openai_api_key") else EmbedderChoice.OFFLINE


def chosen_vector_index(settings: Settings) -> VectorIndexChoice:
    if settings.vector_index != VectorIndexChoice.AUTO:
        return settings.vector_index
    return VectorIndexChoice.PINECONE if _has_key(settings, "pinecone_api_key") else VectorIndexChoice.LANCE


def make_pipeline_config(settings: Settings) -> PipelineConfig:
    """The pipeline's settings, with smaller batches for whichever offline provider is chosen
    (docs/performance.md, the embedded pipeline: 10,000 posts in 1,000-post batches)."""
    config = settings.pipeline_config()
    update: dict[str, BatchLimits] = {}
    if chosen_summarizer(settings) == SummarizerChoice.OFFLINE:
        update["summary_batch"] = OFFLINE_SUMMARY_BATCH
    if chosen_embedder(settings) == EmbedderChoice.OFFLINE:
        update["embedding_batch"] = OFFLINE_EMBEDDING_BATCH
    return config.model_copy(update=update) if update else config


def make_summarizer(settings: Settings) -> BatchSummarizer:
    choice = chosen_summarizer(settings)
    if choice == SummarizerChoice.GEMINI:
        from changple_adapters.gemini.summarizer import GeminiBatchSummarizer

        return GeminiBatchSummarizer(
            api_key=_secret(settings, "gemini_api_key"), model=settings.gemini_model, base_url=settings.gemini_base_url
        )
    if choice == SummarizerChoice.MEMORY:
        from changple_adapters.memory.summarizer import MemoryBatchSummarizer

        return MemoryBatchSummarizer()
    from changple_adapters.local.summarizer import OfflineBatchSummarizer

    kiwi = settings.offline_summarizer == OfflineSummarizerChoice.KIWI
    if kiwi and importlib.util.find_spec("kiwipiepy") is None:  # found, not imported: it loads at the first summary
        raise InvalidSetting(
            f"setting '{ENV_PREFIX}OFFLINE_SUMMARIZER=kiwi' needs kiwipiepy: install changple[kiwi], or choose light"
        )
    return OfflineBatchSummarizer(
        state_dir=settings.data_dir / "offline-batches" / "summaries", nouns="kiwi" if kiwi else "light"
    )


def make_embedder(settings: Settings) -> BatchEmbedder:
    choice = chosen_embedder(settings)
    if choice == EmbedderChoice.OPENAI:
        from changple_adapters.openai.embedder import OpenAIBatchEmbedder

        return OpenAIBatchEmbedder(
            api_key=_secret(settings, "openai_api_key"),
            model=settings.openai_model,
            dimensions=settings.embedding_dimensions,
            base_url=settings.openai_base_url,
        )
    if choice == EmbedderChoice.MEMORY:
        from changple_adapters.memory.embedder import MemoryBatchEmbedder

        return MemoryBatchEmbedder()
    from changple_adapters.local.embedder import OfflineBatchEmbedder

    return OfflineBatchEmbedder(
        dimensions=settings.offline_embedding_dimensions, directory=settings.data_dir / "offline-batches" / "embeddings"
    )


def make_vector_index(settings: Settings, dimensions: int, *, collection: str = "posts") -> VectorIndex:
    """The index of cafe posts, or with `collection="content"` the separate one of Notion content
    (a Pinecone namespace, a LanceDB table, another in-memory index)."""
    choice = chosen_vector_index(settings)
    if choice == VectorIndexChoice.PINECONE:
        from changple_adapters.pinecone.index import PineconeVectorIndex

        if not settings.pinecone_host:
            raise InvalidSetting(f"setting '{ENV_PREFIX}PINECONE_HOST' is required for Pinecone")
        return PineconeVectorIndex(
            api_key=_secret(settings, "pinecone_api_key"),
            host=settings.pinecone_host,
            namespace=settings.pinecone_namespace if collection == "posts" else settings.pinecone_content_namespace,
            dimensions=dimensions,
        )
    if choice == VectorIndexChoice.MEMORY:
        from changple_adapters.memory.vector_index import MemoryVectorIndex

        return MemoryVectorIndex()
    from changple_adapters.local.vector_index import LanceVectorIndex

    return LanceVectorIndex(path=settings.data_dir / "vectors", table=collection, dimensions=dimensions)


def make_export_processor() -> ExportProcessor:
    from changple_adapters.content.notion_export import NotionExportProcessor

    return NotionExportProcessor()


def chosen_cafe_source(settings: Settings) -> CafeSourceChoice:
    """Playwright when a cafe URL is set (or asked for), else the snapshot."""
    if settings.cafe_source != CafeSourceChoice.AUTO:
        return settings.cafe_source
    return CafeSourceChoice.PLAYWRIGHT if settings.naver_cafe_url else CafeSourceChoice.SNAPSHOT


def make_scan_policy(settings: Settings) -> ScanPolicy:
    """The scan policy from settings. A snapshot is files on disk: its scans never pause, and
    unless told otherwise the first scan starts at its lowest saved id."""
    policy = settings.scan_policy()
    if chosen_cafe_source(settings) != CafeSourceChoice.SNAPSHOT:
        return policy
    policy = policy.unpaused()
    directory = settings.snapshot_dir or bundled_snapshot_dir()
    if settings.scan_first_article_id is None and directory.is_dir():
        from changple_adapters.naver.snapshot import SnapshotCafeSource

        saved = SnapshotCafeSource(directory).article_ids()
        if saved:
            policy = policy.model_copy(update={"first_article_id": saved[0]})
    return policy


def bundled_snapshot_dir() -> Path:
    """The sample cafe shipped with the package: saved article pages the demo scans offline."""
    from changple_adapters.naver.sample import bundled_sample_dir

    return bundled_sample_dir()


def make_cafe_source(settings: Settings) -> CafeSource:
    """The scraper's source. Politeness delays are the scan's job (ScanPolicy), so the browser
    adapter is built with none of its own; its backoff on 429/5xx stays."""
    if chosen_cafe_source(settings) == CafeSourceChoice.PLAYWRIGHT:
        if not settings.naver_cafe_url:
            raise InvalidSetting(f"setting '{ENV_PREFIX}NAVER_CAFE_URL' is required to scrape Naver")
        if settings.naver_storage_state is not None and not settings.naver_storage_state.is_file():
            raise InvalidSetting(
                f"setting '{ENV_PREFIX}NAVER_STORAGE_STATE': no file at {settings.naver_storage_state}; "
                "log in once in a browser and save its storage_state there"
            )
        from changple_adapters.naver.playwright_source import PlaywrightCafeSource

        def build() -> CafeSource:
            return PlaywrightCafeSource(
                club_id=settings.naver_club_id,
                cafe_url=settings.naver_cafe_url or "",
                api_base_url=settings.naver_api_base_url,
                storage_state=settings.naver_storage_state,
                executable_path=settings.chromium_path,
                page_timeout_seconds=settings.naver_page_timeout_seconds,
                delay_range=(0.0, 0.0),
            )

        if settings.scan_policy().concurrency == 1:
            return build()
        from changple_adapters.cafe_threads import PerThreadCafeSource

        return PerThreadCafeSource(build)
    from changple_adapters.naver.snapshot import SnapshotCafeSource

    return SnapshotCafeSource(
        settings.snapshot_dir or bundled_snapshot_dir(), cafe_url=settings.naver_cafe_url or DEFAULT_CAFE_URL
    )


def make_token_cipher(settings: Settings) -> TokenCipher | None:
    """The keys for provider tokens at rest: CHANGPLE_TOKEN_KEYS, else (embedded SQLite only) a key
    file in the data directory, else none, and the account tables refuse to hold tokens."""
    from changple_adapters.sql.token_cipher import KeyFileTokenCipher, TokenCipher

    configured = _setting_text(settings, "token_keys")
    if configured:
        return TokenCipher([key for key in configured.split(",") if key.strip()])
    if settings.database_url is None:
        return KeyFileTokenCipher(settings.data_dir / "token.key")
    return None


def make_oauth_provider(settings: Settings, clock: Clock | None = None) -> OAuthProvider:
    """Naver Login, when its client is configured; otherwise InvalidSetting (a 503 naming what to set).
    `clock` dates the tokens' `expires_at`, so it must be the clock withdrawal judges them by."""
    missing = [
        f"{ENV_PREFIX}{name.upper()}"
        for name in ("naver_login_client_id", "naver_login_client_secret", "naver_login_redirect_uri")
        if not _setting_text(settings, name)
    ]
    if missing:
        raise InvalidSetting("Naver Login is not configured: set " + ", ".join(missing))
    from changple_adapters.naver.oauth import NaverOAuthProvider

    return NaverOAuthProvider(
        client_id=_setting_text(settings, "naver_login_client_id"),
        client_secret=_setting_text(settings, "naver_login_client_secret"),
        redirect_uri=_setting_text(settings, "naver_login_redirect_uri"),
        authorize_url=settings.naver_login_authorize_url,
        token_url=settings.naver_login_token_url,
        profile_url=settings.naver_login_profile_url,
        revoke_url=settings.naver_login_revoke_url,
        timeout_seconds=settings.naver_login_timeout_seconds,
        clock=clock,
    )


def _setting_text(settings: Settings, name: str) -> str:
    """A setting's text, secret or not, stripped; "" when unset."""
    value = getattr(settings, name)
    if value is None:
        return ""
    return str(value.get_secret_value() if hasattr(value, "get_secret_value") else value).strip()


def csrf_secret(settings: Settings) -> str:
    """The key that signs CSRF tokens: CHANGPLE_CSRF_SECRET, else a key file in the data directory
    (shared by every API process on this machine; several machines must set the variable)."""
    import secrets

    from changple_adapters.secret_file import read_or_create_secret_file

    configured = _setting_text(settings, "csrf_secret")
    if configured:
        return configured
    return read_or_create_secret_file(settings.data_dir / "csrf.key", lambda: secrets.token_hex(32))


def chat_ticket_key(settings: Settings) -> bytes:
    """The key that signs chat tickets: CHANGPLE_CHAT_TICKET_SECRET, else a key file in the data
    directory (every API process of this machine reads the same; several machines set the variable)."""
    import secrets

    from changple_adapters.secret_file import read_or_create_secret_file

    configured = _setting_text(settings, "chat_ticket_secret")
    if configured:
        return configured.encode("utf-8")
    return read_or_create_secret_file(settings.data_dir / "chat-ticket.key", lambda: secrets.token_hex(32)).encode()


def make_login_links(settings: Settings) -> LoginLinkStore:
    """The console's one-time login links: files in the data directory, so `changple console-link`
    and every serving process share them; in process memory with memory storage."""
    if settings.storage == Storage.MEMORY:
        from changple_adapters.memory.login_links import MemoryLoginLinkStore

        return MemoryLoginLinkStore()
    from changple_adapters.local.login_links import FileLoginLinkStore

    return FileLoginLinkStore(settings.data_dir / "login-links")


def make_mutex(settings: Settings) -> Mutex:
    """One pipeline tick (and one scan) at a time: across machines on Redis, across processes on one
    machine with a file lock, within the process in memory storage."""
    if settings.redis_url:
        import redis

        from changple_adapters.queue.redis_mutex import RedisMutex

        client = redis.Redis.from_url(settings.redis_url)
        return RedisMutex(client, settings.redis_namespace, lease_seconds=settings.lock_lease_seconds)
    from changple_adapters.local.mutex import FileMutex

    return FileMutex(settings.data_dir / "locks")


def make_file_storage(settings: Settings) -> FileStorage:
    """Uploaded content files: under the data directory, or in memory with memory storage."""
    if settings.storage == Storage.MEMORY:
        from changple_adapters.memory.file_storage import MemoryFileStorage

        return MemoryFileStorage()
    from changple_adapters.local.file_storage import LocalFileStorage

    return LocalFileStorage(settings.data_dir / "files")


def make_content_changes(settings: Settings) -> ContentChanges:
    """Where the content generation lives so that every process writing content sees it: Redis when
    the deployment has Redis, a file of the data directory in embedded mode (the CLI on the same
    machine writes it too), process memory for the memory storage."""
    if settings.storage == Storage.MEMORY:
        from changple_adapters.memory.content_changes import MemoryContentChanges

        return MemoryContentChanges()
    if settings.redis_url:
        import redis

        from changple_adapters.queue.redis_content_changes import RedisContentChanges

        client = redis.Redis.from_url(settings.redis_url)
        return RedisContentChanges(client, f"{settings.redis_namespace}:content-generation")
    from changple_adapters.local.content_changes import FileContentChanges

    return FileContentChanges(settings.data_dir / "content.generation")


class HttpStores(NamedTuple):
    sessions: Store
    rate_limits: Store  # one that can also count atomically (`http/counting_stores.py`)


def make_http_stores(settings: Settings) -> HttpStores:
    """Sessions and rate-limit counters live in Redis when configured, so every API process shares
    them; embedded, sessions go to files in the data directory (they survive a restart) and rate
    counters stay in memory; with memory storage, both stay in memory."""
    from litestar.stores.file import FileStore
    from litestar.stores.memory import MemoryStore

    from changple_adapters.private_paths import private_directory
    from changple_entrypoints.http.counting_stores import CountingMemoryStore, CountingRedisStore

    if settings.redis_url:
        root = CountingRedisStore.with_client(url=settings.redis_url, namespace=settings.redis_namespace)
        return HttpStores(sessions=root.with_namespace("sessions"), rate_limits=root.with_namespace("ratelimit"))
    if settings.storage == Storage.MEMORY:
        return HttpStores(sessions=MemoryStore(), rate_limits=CountingMemoryStore())
    return HttpStores(
        sessions=FileStore(private_directory(settings.data_dir / "sessions"), create_directories=True),
        rate_limits=CountingMemoryStore(),
    )
