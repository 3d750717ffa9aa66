"""The background tasks by name. The worker declares one actor per member and the task queue sends
by member, so a task name is checked by the type checker, not matched as a string at run time.
The values are the actor names on the wire: renaming one strands the messages already queued."""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    LOAD_SAMPLE_CAFE = "load_sample_cafe"
    SCAN_CAFE = "scan_cafe"
    START_PIPELINE_RUN = "start_pipeline_run"
    PIPELINE_STEP = "pipeline_step"
    POLL_PIPELINE = "poll_pipeline"
    APPLY_BATCH = "apply_batch"
    REINDEX_POSTS = "reindex_posts"
    RETRY_NAVER_REVOCATIONS = "retry_naver_revocations"
    PROCESS_CONTENT = "process_content"
    FORGET_CONTENT_VECTOR = "forget_content_vector"
    REQUEUE_STUCK_CONTENT = "requeue_stuck_content"
