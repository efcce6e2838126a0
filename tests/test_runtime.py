"""Process tuning: long-running processes collect cycles rarely and skip start-up objects."""

from __future__ import annotations

import gc
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
