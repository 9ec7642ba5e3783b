"""Generation streams: ten times the persons does not mean more memory held at once."""

from __future__ import annotations

import gc
import tracemalloc

from accord.scenario import ScenarioOptions, generate


def _peak(persons: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        for _ in generate(ScenarioOptions(seed=21, persons=persons, storylines=False)):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_number_of_persons() -> None:
    # Warm the bounded caches (name spellings, MRZ forms) and the shipped data first.
    for _ in generate(ScenarioOptions(seed=20, persons=800, storylines=False)):
        pass
    small, large = _peak(500), _peak(5000)
    assert large < 2.5 * small
    assert large < 2 * 1024 * 1024
