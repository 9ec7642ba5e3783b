"""The writers' turn of a SQLite file: a writer in another process, or in a forked child,
waits for the one holding it and goes on as soon as it is released."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from multiprocessing.synchronize import Event
from pathlib import Path

from sqlalchemy import Engine

from accord.store.db import create_db_engine, write_turn

CHILD = """
import sys
from pathlib import Path
from accord.store.db import create_db_engine, write_turn
engine = create_db_engine(sys.argv[1])
print("waiting", flush=True)
with write_turn(engine):
    print(Path(sys.argv[2]).read_text(), flush=True)
"""


def test_a_writer_in_another_process_waits_for_the_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    marker = tmp_path / "marker"
    marker.write_text("held")
    with write_turn(create_db_engine(url)):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(marker)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "waiting"
        time.sleep(0.3)  # time to take the turn, had it been free
        marker.write_text("released")
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 0
    assert out.strip() == "released"  # it wrote only after this process let go


def _forked(engine: Engine, marker: str, ready: Event) -> None:
    ready.set()
    with write_turn(engine):  # the engine it inherited, as a forked server worker would
        Path(marker + ".seen").write_text(Path(marker).read_text())


def test_a_forked_child_does_not_share_its_parents_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    marker = tmp_path / "marker"
    marker.write_text("held")
    engine = create_db_engine(url)
    with write_turn(engine):
        pass  # the lock file is open in this process now: a child inherits the descriptor
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    with write_turn(engine):
        child = context.Process(target=_forked, args=(engine, str(marker), ready))
        child.start()
        assert ready.wait(30)
        time.sleep(0.3)
        marker.write_text("released")
    child.join(30)
    assert child.exitcode == 0
    assert (tmp_path / "marker.seen").read_text() == "released"


def test_an_in_memory_database_has_no_turn_to_take() -> None:
    engine = create_db_engine("sqlite://")
    with write_turn(engine), write_turn(engine):
        pass  # nothing is held, so taking it twice does not wait
