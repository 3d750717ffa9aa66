"""CHANGPLE_OFFLINE_SUMMARIZER picks the offline summarizer's noun finder in the composition root:
light by default (kiwipiepy never imported, even after summarizing), kiwi when asked (kiwipiepy
loaded at the first summary, not at wiring), and an unknown value is a settings error naming it.
The offline providers also get smaller batches than the real providers' limits."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from changple_domain.errors import InvalidSetting
from changple_domain.policies.packing import GEMINI_SUMMARY_BATCH, OPENAI_EMBEDDING_BATCH
from changple_entrypoints.choices import OfflineSummarizerChoice
from changple_entrypoints.composition.adapters import make_pipeline_config, make_summarizer
from changple_entrypoints.settings import Settings

PROBE = """
import json, sys
from changple_entrypoints.composition.adapters import make_summarizer
from changple_entrypoints.settings import Settings
from tests.contract.summary_support import make_job, sample_requests

summarizer = make_summarizer(Settings(_env_file=None, data_dir=sys.argv[1], summarizer="offline"))
wired = "kiwipiepy" in sys.modules
provider_job_id = summarizer.submit(make_job(), sample_requests())
keywords = [r.keywords for r in summarizer.results(provider_job_id)]
after = "kiwipiepy" in sys.modules
print(json.dumps({"model": summarizer.model, "wired": wired, "after": after, "keywords": keywords}))
"""


def _probe(tmp_path: Path, choice: str | None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")}
    if choice is not None:
        env["CHANGPLE_OFFLINE_SUMMARIZER"] = choice
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], check=True, capture_output=True, text=True, env=env
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_light_finder_is_the_default_and_never_loads_kiwi(tmp_path: Path) -> None:
    result = _probe(tmp_path, None)
    assert result["model"] == "offline-extractive-light-v1"
    assert result["wired"] is False
    assert result["after"] is False
    assert all(result["keywords"])  # type: ignore[arg-type]


def test_kiwi_is_chosen_by_setting_and_loaded_only_to_summarize(tmp_path: Path) -> None:
    result = _probe(tmp_path, "kiwi")
    assert result["model"] == "offline-extractive-v1"
    assert result["wired"] is False
    assert result["after"] is True


def test_the_setting_defaults_to_light_and_takes_kiwi(tmp_path: Path) -> None:
    assert Settings(_env_file=None).offline_summarizer is OfflineSummarizerChoice.LIGHT  # type: ignore[call-arg]
    kiwi = Settings(_env_file=None, data_dir=tmp_path, summarizer="offline", offline_summarizer="kiwi")  # type: ignore[call-arg, arg-type]
    assert make_summarizer(kiwi).model == "offline-extractive-v1"


def test_an_unknown_finder_is_a_settings_error_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="offline_summarizer"):
        Settings(_env_file=None, offline_summarizer="mecab")  # type: ignore[call-arg, arg-type]


def test_the_offline_providers_get_batches_small_enough_to_hold(tmp_path: Path) -> None:
    offline = make_pipeline_config(
        Settings(_env_file=None, data_dir=tmp_path, summarizer="offline", embedder="offline")  # type: ignore[call-arg, arg-type]
    )
    assert offline.summary_batch.max_requests == 1000
    assert offline.embedding_batch.max_inputs == 2000
    keys = {"gemini_api_key": "g" * 32, "openai_api_key": "o" * 32}
    providers = make_pipeline_config(Settings(_env_file=None, data_dir=tmp_path, **keys))  # type: ignore[call-arg, arg-type]
    assert providers.summary_batch == GEMINI_SUMMARY_BATCH
    assert providers.embedding_batch == OPENAI_EMBEDDING_BATCH


def test_kiwi_without_kiwipiepy_installed_is_a_settings_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The kiwi extra left out of the install: find_spec answers None for kiwipiepy (and only for it).
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "kiwipiepy" else real_find_spec(name, *a)
    )
    settings = Settings(_env_file=None, data_dir=tmp_path, summarizer="offline", offline_summarizer="kiwi")  # type: ignore[call-arg, arg-type]
    with pytest.raises(InvalidSetting, match=r"CHANGPLE_OFFLINE_SUMMARIZER=kiwi' needs kiwipiepy"):
        make_summarizer(settings)
    light = Settings(_env_file=None, data_dir=tmp_path, summarizer="offline")  # type: ignore[call-arg]
    assert make_summarizer(light).model == "offline-extractive-light-v1"
