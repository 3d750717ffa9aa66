"""The changple2 cut-over's use cases bound to their ports: import, verify, and the console's view
of the last import. The changple2 database is not a port of the running service: each command
opens it from the URL it is given (`open_legacy_source(url, media_root=...)`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial

from dependency_injector import providers

from changple_adapters.legacy import SqlLegacySource
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases import legacy_import, legacy_verify
from changple_domain.use_cases.legacy_report import last_import_report
from changple_domain.use_cases.pipeline_report import RunEstimate, estimate_run
from changple_entrypoints.composition.ports import Ports


def _estimator(
    policy: IngestionPolicy, config: PipelineConfig, summary_model: str, embedding_model: str
) -> Callable[[UnitOfWork, Collection[int]], RunEstimate]:
    """The first pipeline run's estimate for the posts an import carried, over any unit of work
    (the dry run's is never committed)."""
    models = partial(estimate_run, summary_model=summary_model, embedding_model=embedding_model)

    def estimate(uow: UnitOfWork, only: Collection[int]) -> RunEstimate:
        return models(uow=uow, policy=policy, config=config, only=only)

    return estimate


class LegacyUseCases(Ports):
    open_legacy_source = providers.Callable(SqlLegacySource)
    # `import_legacy(LegacyImport, source=..., on_progress=...)`: `changple legacy import`.
    import_legacy = providers.Callable(
        legacy_import.import_legacy,
        uow=Ports.uow,
        clock=Ports.clock,
        storage=Ports.file_storage,
        processor=Ports.export_processor,
        content_config=Ports.content_config,
        estimate=providers.Callable(
            _estimator,
            Ports.ingestion_policy,
            Ports.pipeline_config,
            Ports.summarizer.provided.model,
            Ports.embedder.provided.model,
        ),
    )
    # `verify_legacy(source=..., on_progress=...)`: `changple legacy verify`.
    verify_legacy = providers.Callable(legacy_verify.verify_legacy, uow=Ports.uow)
    last_legacy_import = providers.Callable(last_import_report, uow=Ports.uow)
