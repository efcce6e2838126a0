"""Process tuning: long-running processes collect cycles rarely and skip start-up objects."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from portal.runtime import GC_THRESHOLDS, tune_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_start_up_objects_are_frozen_and_young_garbage_collected_less_often(
    restored_gc: None,
) -> None:
    tune_gc()

    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700  # CPython's default, which cost a third of a sweep's CPU
    assert gc.isenabled()  # cycles are still collected


def test_listeners_and_carrier_adapters_are_imported_before_the_freeze() -> None:
    # A sweep's first status change / adapter look-up must not import them (mid-sweep);
    # in a fresh interpreter, since this test session has imported them long ago.
    script = (
        "import sys\n"
        "from portal.runtime import tune_gc\n"
        "from portal.events import LISTENER_MODULES\n"
        "tune_gc()\n"
        "print([m for m in LISTENER_MODULES if m not in sys.modules])\n"
        "print('carriers.sandbox' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )

    assert done.stdout.split() == ["[]", "True"]
