"""`accord demo --check` is the main job: three node processes over mutual TLS play the story
and every expected outcome is checked, including the cross-check of both ledgers. Without
`--check` the nodes keep running, and the commands the demo prints work as printed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

EXE = Path(sys.executable).parent / "accord"
REFERENCE_LINE = re.compile(r"^ +(ref_\S+)$", re.MULTILINE)


@pytest.mark.slow
def test_demo_story_plays_across_three_node_processes(tmp_path: Path) -> None:
    res = subprocess.run(
        [str(EXE), "demo", "--check", "--home", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "COLUMNS": "80"},
    )
    out = res.stdout
    assert res.returncode == 0, out[-3000:] + res.stderr[-3000:]
    assert "The story played as expected." in out
    assert "reference: Person of UA-NPU (no content)" in out
    # The Latin query found UA-NPU's record, which writes the name in Cyrillic.
    assert "UA-NPU writes the name in Cyrillic" in out
    # The analyst's story, not the ledger's bookkeeping (that is one --verbose away).
    assert "NL-POLITIE disclosed the record to DE-BKA under" in out
    assert "UA-NPU disclosed a reference only to DE-BKA under" in out
    # The red notice: it reaches NL-POLITIE, a record there hits it, and both are alerted.
    assert "7. A red notice" in out and "UA-NPU is sent nothing" in out
    assert "NL-POLITIE/nl-border-2026-0917" in out
    # A request for information crosses sealed and is answered; an MLA request is executed.
    flat = " ".join(out.split())
    # A border check of a passport UA-NPU reported stolen hits there and alerts UA-NPU.
    assert "8. A stolen passport at the border" in flat
    assert "HIT seize" in flat and "UA-NPU is alerted at once" in flat
    assert "9. A request for information, sealed end to end" in flat
    assert "the answer is in DE-BKA's inbox" in flat
    assert "10. A mutual legal assistance request" in flat
    assert "draft → sent → acknowledged → in_execution → executed" in flat
    assert not re.search(r"#\d", out) and "digests equal" not in out
    assert "accord demo --verbose" in out
    # The reference is printed whole, on its own line, even at 80 columns.
    (reference,) = REFERENCE_LINE.findall(out)
    assert "…" not in reference and len(reference) > 20
    assert "Traceback" not in res.stderr
    # every node process was stopped
    for agency in ("de-bka", "nl-politie", "ua-npu"):
        assert (tmp_path / "demo" / agency / "accord.db").exists()


def _read_until(proc: subprocess.Popen[str], marker: re.Pattern[str], timeout: float) -> str:
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker.search(line):
            return "".join(lines)
    raise AssertionError("".join(lines)[-3000:] or "the demo printed nothing")


def _shell(cwd: Path, env: dict[str, str], command: str, stdin: str | None = None) -> str:
    res = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, command + "\n" + res.stdout + res.stderr
    return res.stdout


@pytest.mark.slow
def test_the_commands_the_demo_prints_work_as_printed(tmp_path: Path) -> None:
    # The accord executable not on PATH, and the demo home relative to the working directory:
    # both must be printed so that pasting them works.
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != EXE.parent
    )
    env = {**os.environ, "PATH": path, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    demo = subprocess.Popen(
        [str(EXE), "demo", "--home", "here", "--verbose"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out = _read_until(demo, re.compile(r"^  ACCORD_HOME=.* audit verify$"), timeout=600)
        assert "The story played as expected." in out
        assert "digests equal" in out  # --verbose shows the ledger detail
        # follow-up steps in the order they happened, not alphabetically
        steps = re.search(r"requested #\d+ → .*outcome_received #\d+", out)
        assert steps, out[-3000:]
        (reference,) = REFERENCE_LINE.findall(out)

        de_block = out[out.index("\nDE-BKA  workbench") :]
        workbench = re.search(r"workbench (http://\S+/) ", de_block)
        password = re.search(r"password: (\S+)", de_block)
        totp = re.search(r"^  (\S+ demo totp --node de-bka --home \S+)$", de_block, re.M)
        login = re.search(r"^  (ACCORD_HOME=\S+ \S+ login demo)$", de_block, re.M)
        search = re.search(r"^  (ACCORD_HOME=\S+ \S+ search .* --federated .*)$", out, re.M)
        assert workbench and password and totp and login and search, de_block
        page = httpx.get(workbench.group(1), timeout=30)
        assert page.status_code == 200 and "/assets/" in page.text
        assert str(EXE) in totp.group(1)  # not on PATH: printed as a path that works

        for _ in range(2):  # a code is accepted once: the demo's own enrolment may hold this one
            code = _shell(tmp_path, env, totp.group(1)).strip()
            assert re.fullmatch(r"\d{6}", code)
            res = subprocess.run(
                ["bash", "-c", f"{login.group(1)} --password-stdin --code {code}"],
                cwd=tmp_path,
                env=env,
                input=password.group(1) + "\n",
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if res.returncode == 0 or "already used" not in res.stderr:
                break
            time.sleep(31)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "Logged in as demo at DE-BKA" in res.stdout

        found = _shell(tmp_path, env, search.group(1))
        assert "NL-POLITIE" in found and "UA-NPU" in found
        home = login.group(1).split()[0]
        asked = _shell(
            tmp_path,
            env,
            f"{home} {totp.group(1).split()[0]} followup request {reference} --partner ua-npu "
            "--case BKA-2026-0042 --crime-area thb --legal-basis 'MoU Art. 4' "
            "--justification 'the same suspect'",
        )
        assert "queued" in asked
        refused = subprocess.run(
            [str(EXE), "demo", "totp"],
            cwd=tmp_path,
            env={**env, "ACCORD_HOME": str(tmp_path / "nowhere")},
            capture_output=True,
            text=True,
            check=False,
        )
        assert refused.returncode == 1 and "is not a demo node" in refused.stderr
    finally:
        demo.send_signal(signal.SIGTERM)
        rest = demo.communicate(timeout=60)[0]
    assert demo.returncode == 0, rest[-3000:]
    assert "stopping the nodes" in rest
