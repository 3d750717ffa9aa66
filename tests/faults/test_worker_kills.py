"""A worker killed with SIGKILL at a random moment of a pipeline run, then restarted: every trial
must end exactly where an undisturbed run ends, and no post may be sent to a provider twice."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator

import pytest

from tests.faults.rig import Outcome, Rig, assert_indexed_from_content, assert_paid_once, running_rig

POSTS = 500
TRIALS = int(os.environ.get("CHANGPLE_FAULT_TRIALS", "20"))
RUN_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with running_rig(POSTS) as rig:
        yield rig


@pytest.fixture(scope="module")
def undisturbed(rig: Rig) -> tuple[Outcome, float]:
    """The run nobody disturbed, and how long it took from the first message to the end."""
    with rig.trial("undisturbed") as trial:
        trial.start_worker()
        began = time.monotonic()
        trial.start_run()
        trial.wait_until_done(RUN_TIMEOUT)
        return trial.outcome(), time.monotonic() - began


def assert_same_end(got: Outcome, expected: Outcome) -> None:
    assert_indexed_from_content(got, POSTS)
    assert got.indexed == expected.indexed  # the same hashes and chunk counts as the undisturbed run
    assert got.vector_ids == expected.vector_ids
    assert got.vector_hashes == expected.vector_hashes
    assert_paid_once(got, POSTS)  # never paid twice


def test_the_undisturbed_run_indexes_every_post_once(undisturbed: tuple[Outcome, float]) -> None:
    outcome, _ = undisturbed
    assert_same_end(outcome, outcome)
    assert sum(chunks for _, chunks in outcome.indexed.values()) > POSTS  # some posts have several chunks


@pytest.mark.parametrize("trial_number", range(TRIALS))
def test_a_worker_killed_at_a_random_moment_loses_nothing_and_pays_once(
    rig: Rig, undisturbed: tuple[Outcome, float], trial_number: int
) -> None:
    expected, seconds = undisturbed
    kill_after = random.Random(f"changple-kill-{trial_number}").uniform(0.0, seconds)
    with rig.trial(f"kill-{trial_number}") as trial:
        trial.start_worker()
        began = time.monotonic()
        trial.start_run()
        time.sleep(max(0.0, kill_after - (time.monotonic() - began)))
        assert trial.kill_workers() == 1
        trial.start_worker()
        trial.wait_until_done(RUN_TIMEOUT)
        outcome = trial.outcome()
    assert_same_end(outcome, expected)
