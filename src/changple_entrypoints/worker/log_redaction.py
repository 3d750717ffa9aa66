"""The worker's log redaction: Dramatiq's worker threads name a failed message in their log line with
all its arguments; this filter shows them as a dead letter does (`summarize_arguments`: the values of
names in `SAFE_ARGUMENTS`, every other value hidden), so a secret passed as an argument never reaches
a log."""

from __future__ import annotations

import logging

import dramatiq

from changple_entrypoints.worker.dead_letters import summarize_arguments

# The logger Dramatiq's worker threads name a failed message on, with all its arguments
# ("Failed to process message flaky(key='k', token='...') with unhandled exception.").
WORKER_LOGGER = "dramatiq.worker.WorkerThread"


class RedactMessageArguments(logging.Filter):
    """A message in a worker log line shows its arguments as a dead letter does: known names' values,
    the rest hidden (`summarize_arguments`), so a secret passed as an argument never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_logged(arg) for arg in record.args)
        return True


def _logged(arg: object) -> object:
    if isinstance(arg, dramatiq.Message | dramatiq.MessageProxy):
        return f"{arg.actor_name}({summarize_arguments(arg.args, arg.kwargs)})"
    return arg


def redact_worker_logs() -> None:
    """Install `RedactMessageArguments` on the worker threads' logger (once)."""
    logger = logging.getLogger(WORKER_LOGGER)
    if not any(isinstance(existing, RedactMessageArguments) for existing in logger.filters):
        logger.addFilter(RedactMessageArguments())
