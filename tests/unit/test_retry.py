"""Retry and backoff: bounded jittered delays, an attempt limit, and only transient errors retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from changple_domain.errors import InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.policies.retry import RetryPolicy, backoff_delay, call_with_retry, may_retry
from changple_domain.policies.settings import build_settings

fast = settings(max_examples=150, deadline=None)


@st.composite
def policies(draw: st.DrawFn) -> RetryPolicy:
    base = draw(st.floats(0.001, 3600))
    return RetryPolicy(
        base_delay=base,
        factor=draw(st.floats(1.0, 10.0)),
        max_delay=draw(st.floats(base, 86_400)),
        max_attempts=draw(st.integers(1, 50)),
    )


unit_interval = st.floats(0.0, 1.0, exclude_max=True)


def ceiling(attempt: int, policy: RetryPolicy) -> float:
    return min(policy.max_delay, policy.base_delay * policy.factor ** min(attempt, 64))


class Sleeps:
    """A fake sleep that records every delay instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class Flaky:
    """Fails with `error` the first `failures` calls, then returns `result`."""

    def __init__(self, failures: int, error: Callable[[], BaseException], result: Any = "ok") -> None:
        self.failures = failures
        self.error = error
        self.result = result
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error()
        return self.result


# --- backoff_delay -----------------------------------------------------------------------


@fast
@given(policy=policies(), attempt=st.integers(0, 200), r=unit_interval)
def test_delay_is_between_half_the_ceiling_and_the_ceiling(policy: RetryPolicy, attempt: int, r: float) -> None:
    top = ceiling(attempt, policy)
    delay = backoff_delay(attempt, policy, lambda: r)
    assert top / 2 <= delay <= top
    assert delay <= policy.max_delay
    assert delay > 0


@fast
@given(policy=policies(), attempt=st.integers(0, 200))
def test_jitter_extremes_hit_the_bounds(policy: RetryPolicy, attempt: int) -> None:
    top = ceiling(attempt, policy)
    assert backoff_delay(attempt, policy, lambda: 0.0) == pytest.approx(top / 2)
    assert backoff_delay(attempt, policy, lambda: 0.999999) == pytest.approx(top, rel=1e-5)


@fast
@given(policy=policies(), attempt=st.integers(0, 200))
def test_ceiling_never_decreases_with_attempt(policy: RetryPolicy, attempt: int) -> None:
    # With rand fixed the delay is ceiling * (1 + r) / 2, so it tracks the ceiling.
    for r in (0.0, 0.5):
        assert backoff_delay(attempt, policy, lambda r=r: r) <= backoff_delay(attempt + 1, policy, lambda r=r: r)


@fast
@given(policy=policies(), attempt=st.integers(0, 10**30), r=unit_interval)
def test_delay_never_exceeds_max_delay_even_for_huge_attempts(policy: RetryPolicy, attempt: int, r: float) -> None:
    delay = backoff_delay(attempt, policy, lambda: r)
    assert 0 < delay <= policy.max_delay


def test_huge_attempt_does_not_overflow() -> None:
    policy = RetryPolicy(base_delay=3600, factor=10.0, max_delay=86_400)
    assert backoff_delay(10**100, policy, lambda: 0.0) == 43_200
    assert backoff_delay(2**63, policy, lambda: 0.5) == pytest.approx(64_800)


def test_delays_grow_exponentially_until_the_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, factor=2.0, max_delay=10.0)
    assert [backoff_delay(a, policy, lambda: 0.0) for a in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_factor_one_keeps_the_delay_constant() -> None:
    policy = RetryPolicy(base_delay=3.0, factor=1.0, max_delay=100.0)
    assert {backoff_delay(a, policy, lambda: 0.0) for a in range(50)} == {1.5}


@pytest.mark.parametrize("attempt", [-1, -100])
def test_negative_attempt_raises(attempt: int) -> None:
    with pytest.raises(ValueError, match="attempt"):
        backoff_delay(attempt, RetryPolicy())


def test_default_rand_gives_jitter_within_bounds() -> None:
    policy = RetryPolicy(base_delay=2.0, factor=2.0, max_delay=60.0)
    delays = {backoff_delay(3, policy) for _ in range(50)}
    assert all(8.0 <= d <= 16.0 for d in delays)
    assert len(delays) > 1  # really random


# --- may_retry -----------------------------------------------------------------------------


@fast
@given(made=st.integers(0, 100), limit=st.integers(1, 50))
def test_may_retry_until_the_limit(made: int, limit: int) -> None:
    assert may_retry(made, limit) is (made < limit)


def test_may_retry_examples() -> None:
    assert may_retry(0, 1)
    assert not may_retry(1, 1)
    assert may_retry(2, 3)
    assert not may_retry(3, 3)


# --- call_with_retry -----------------------------------------------------------------------


@fast
@given(max_attempts=st.integers(1, 10), data=st.data())
def test_succeeds_after_k_transient_failures_with_k_sleeps(max_attempts: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, max_attempts - 1))
    policy = RetryPolicy(base_delay=1.0, factor=2.0, max_delay=30.0, max_attempts=max_attempts)
    operation = Flaky(k, lambda: ProviderUnavailable("429"), result={"answer": 42})
    sleeps = Sleeps()
    assert call_with_retry(operation, policy, sleep=sleeps, rand=lambda: 0.0) == {"answer": 42}
    assert operation.calls == k + 1
    assert sleeps.delays == [backoff_delay(i, policy, lambda: 0.0) for i in range(k)]


@fast
@given(max_attempts=st.integers(1, 10), extra=st.integers(0, 5))
def test_gives_up_after_max_attempts_and_reraises(max_attempts: int, extra: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_attempts=max_attempts)
    operation = Flaky(max_attempts + extra, lambda: ProviderUnavailable("503 from upstream"))
    sleeps = Sleeps()
    with pytest.raises(ProviderUnavailable, match="503 from upstream"):
        call_with_retry(operation, policy, sleep=sleeps)
    assert operation.calls == max_attempts
    assert len(sleeps.delays) == max_attempts - 1


@pytest.mark.parametrize(
    "error", [lambda: ProviderRejected("400 bad request"), lambda: ValueError("bug"), lambda: KeyError("k")]
)
def test_does_not_retry_other_exceptions(error: Callable[[], BaseException]) -> None:
    operation = Flaky(1, error)
    sleeps = Sleeps()
    with pytest.raises(type(error())):
        call_with_retry(operation, RetryPolicy(max_attempts=5), sleep=sleeps)
    assert operation.calls == 1
    assert sleeps.delays == []


def test_retry_on_can_name_other_errors() -> None:
    operation = Flaky(2, lambda: TimeoutError("slow"), result=7)
    sleeps = Sleeps()
    assert call_with_retry(operation, RetryPolicy(), sleep=sleeps, retry_on=(TimeoutError,)) == 7
    assert len(sleeps.delays) == 2
    # ...and then ProviderUnavailable is no longer retried.
    strict = Flaky(1, lambda: ProviderUnavailable("x"))
    with pytest.raises(ProviderUnavailable):
        call_with_retry(strict, RetryPolicy(), sleep=Sleeps(), retry_on=(TimeoutError,))
    assert strict.calls == 1


def test_sleeps_follow_the_backoff_schedule() -> None:
    policy = RetryPolicy(base_delay=1.0, factor=3.0, max_delay=20.0, max_attempts=5)
    sleeps = Sleeps()
    with pytest.raises(ProviderUnavailable):
        call_with_retry(Flaky(99, lambda: ProviderUnavailable("down")), policy, sleep=sleeps, rand=lambda: 0.0)
    assert sleeps.delays == [0.5, 1.5, 4.5, 10.0]


# --- RetryPolicy validation ----------------------------------------------------------------


def test_max_delay_below_base_delay_is_invalid() -> None:
    with pytest.raises(ValidationError, match="max_delay"):
        RetryPolicy(base_delay=10.0, max_delay=5.0)


def test_max_delay_equal_to_base_delay_is_valid() -> None:
    policy = RetryPolicy(base_delay=5.0, max_delay=5.0)
    assert backoff_delay(10, policy, lambda: 0.0) == 2.5


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"base_delay": 0}, "retry.base_delay"),
        ({"factor": 0.5}, "retry.factor"),
        ({"max_attempts": 0}, "retry.max_attempts"),
        ({"max_delay": -1}, "retry.max_delay"),
    ],
)
def test_out_of_range_values_name_the_setting(values: dict[str, Any], setting: str) -> None:
    with pytest.raises(InvalidSetting) as info:
        build_settings(RetryPolicy, prefix="retry.", **values)
    assert setting in info.value.detail


def test_unordered_delays_through_build_settings_raise_invalid_setting() -> None:
    with pytest.raises(InvalidSetting) as info:
        build_settings(RetryPolicy, prefix="retry.", base_delay=10.0, max_delay=5.0)
    assert "max_delay must be at least base_delay" in info.value.detail
    assert "retry" in info.value.detail
