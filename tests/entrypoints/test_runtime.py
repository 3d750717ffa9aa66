"""The collector settings long-lived processes apply after boot, checked in a fresh interpreter
(they are process-wide, so a test process must not change its own)."""

from __future__ import annotations

import json
import subprocess
import sys

from changple_entrypoints.runtime import MIDDLE_THRESHOLD, OLD_THRESHOLD, YOUNG_THRESHOLD

PROBE = """
import gc, json
from changple_entrypoints.runtime import settle_after_boot
before = gc.get_freeze_count()
settle_after_boot()
frozen = gc.get_freeze_count()
settle_after_boot()  # a second call changes nothing
print(json.dumps({"before": before, "frozen": frozen, "again": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
"""


def test_settle_after_boot_freezes_boot_objects_and_raises_thresholds_once() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    facts = json.loads(out.stdout)

    assert facts["before"] == 0
    assert facts["frozen"] > 1_000  # the imported modules' objects
    assert facts["again"] == facts["frozen"]
    assert facts["threshold"] == [YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD]
