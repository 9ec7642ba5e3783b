"""A server process keeps what it holds out of the collector's way, and still frees garbage.

Each case runs in a process of its own: the collector's state is process-wide."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_what_a_full_collection_leaves_is_frozen_and_young_collections_freeze_nothing() -> None:
    out = run(
        """
        import gc
        from accord.api.server import FullCollections, settle_process
        settle_process()
        settled = gc.get_freeze_count()
        kept = [[i] for i in range(50_000)]  # long-lived objects made after start
        before = gc.get_freeze_count()
        gc.collect(0)
        young = gc.get_freeze_count()
        gc.collect()
        print(settled > 0, young == before, gc.get_freeze_count() >= settled + 50_000)
        policy = FullCollections.install()
        print(policy is FullCollections.install(), gc.callbacks.count(policy))
        """
    )
    assert out.splitlines() == ["True True True", "True 1"]


def test_a_name_in_any_script_is_matched_without_loading_tables_after_settling() -> None:
    out = run(
        """
        import time
        from accord.api.server import settle_process
        settle_process()
        from accord.matching.names import analyze_person_name, compare_names
        start = time.perf_counter()
        a, b = analyze_person_name("Ντίνος Αντωνίου"), analyze_person_name("Dinos Antoniou")
        compare_names(a, b)
        print(time.perf_counter() - start < 0.05)
        """
    )
    # Loading the equivalents alone takes about 0.1 s; the tables are loaded by now.
    assert out == "True"


def test_garbage_cycles_among_frozen_objects_are_freed_once_the_frozen_have_grown() -> None:
    out = run(
        """
        import gc, weakref
        from accord.api.server import FullCollections, settle_process
        settle_process()
        policy = FullCollections.install()
        policy.SWEEP_FROM = 0
        policy.swept = gc.get_freeze_count()

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle, alive while we hold it
        freed = weakref.ref(a)
        gc.collect()  # a full collection: the cycle survives and is frozen
        del a, b  # garbage now, but frozen
        gc.collect(0); gc.collect(1)
        alive_while_frozen = freed() is not None
        grown = [[i] for i in range(4 * policy.swept + 1)]
        gc.collect()  # the frozen have grown 4x: this one walks everything
        print(alive_while_frozen, freed() is None, policy.sweeps)
        """
    )
    assert out == "True True 1"
