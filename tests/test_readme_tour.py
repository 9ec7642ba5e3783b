"""The README's tour runs as printed, command by command, from a fresh clone's layout.

The commands are read from README.md (the fenced `sh` block under "## A short tour"), never
copied here, so a change to the README is a change to what this test runs. They run in order in
one bash shell (so `export` and `. .venv/bin/activate` carry over) in a temporary directory laid
out like the root of a fresh clone: a copy of `examples/` and `.venv` standing for the
environment `make install` builds. Each command must exit 0, or the code its comment documents
(`# exits N`), and show what a user is told to look for; what to look for is derived from the
sample files the commands name, not from a list kept here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from normality import ascii_text

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TOUR_HEADING = "## A short tour"

#: Commands of the tour this test does not run, and why. Every other command runs.
SKIPPED = {
    "make install": (
        "builds .venv/; this test runs inside that environment and links it into the "
        "temporary clone, so the tour's next command activates the real one"
    ),
}
#: A command whose comment says this serves until interrupted; it is not run.
LONG_RUNNING = "runs until Ctrl-C"
LONG_RUNNING_REASON = (
    "serves until Ctrl-C; the HTTP API it serves is tested through the app in tests/api"
)


@dataclass
class Step:
    line: str  # as printed (continuations joined)
    argv: list[str]  # the last command of a pipeline, comments removed
    comment: str
    expected_rc: int = 0
    skip: str | None = None
    output: str = ""
    rc: int | None = None


def tour_block(readme: str) -> str:
    """The first fenced sh block of the tour section."""
    start = readme.index(TOUR_HEADING)
    end = readme.find("\n## ", start + len(TOUR_HEADING))
    section = readme[start : end if end != -1 else None]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.S | re.M)
    assert blocks, f"no ```sh block under {TOUR_HEADING!r} in README.md"
    return str(blocks[0])


def split_comment(line: str) -> tuple[str, str]:
    """(command, comment): the comment starts at a `#` after a blank, outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line, ""


def parse_steps(block: str) -> list[Step]:
    lines: list[str] = []
    pending = ""
    for raw in block.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line and not line.startswith("#"):
            lines.append(line)
    steps = []
    for line in lines:
        code, comment = split_comment(line)
        lexer = shlex.shlex(code, posix=True, punctuation_chars="|&;")
        lexer.whitespace_split = True
        tokens = list(lexer)
        pipe = [i for i, t in enumerate(tokens) if t == "|"]
        argv = tokens[pipe[-1] + 1 :] if pipe else tokens
        step = Step(line=line, argv=argv, comment=comment)
        code = re.search(r"\bexits (\d+)", comment)
        if code:
            step.expected_rc = int(code.group(1))
        command = " ".join(argv)
        if command in SKIPPED:
            step.skip = SKIPPED[command]
        elif LONG_RUNNING in comment:
            step.skip = LONG_RUNNING_REASON
        steps.append(step)
    return steps


#: What the person at the keyboard types when `accord login NAME` asks: the password the tour
#: gave `users add`, then the code their authenticator shows for the otpauth URI it printed.
ANSWER_LOGIN = """
import re, sys, pyotp
printed = open(sys.argv[1], encoding="utf-8").read()
uri = re.search(r"otpauth://\\S+", printed).group(0)
print(sys.argv[2])
print(pyotp.parse_uri(uri).now())
"""


def login_input(steps: list[Step], i: int, out: Path) -> str:
    """Standard input for the login step `i`: answered from the `users add` step before it."""
    name = positional(steps[i].argv, 2)
    for j in range(i - 1, -1, -1):
        if steps[j].argv[:3] == ["accord", "users", "add"] and positional(steps[j].argv, 3) == name:
            password = re.search(r"printf '%s\\n' '([^']+)'", steps[j].line)
            assert password, f"the tour gives {name} no password to type: {steps[j].line}"
            answer = out / "answer_login.py"
            answer.write_text(ANSWER_LOGIN, "utf-8")
            args = " ".join(shlex.quote(a) for a in (str(answer), f"{out}/{j}.out", password[1]))
            return f"<({shlex.quote(sys.executable)} {args})"
    raise AssertionError(f"`accord login {name}` before `accord users add {name}`")


def run_steps(steps: list[Step], cwd: Path, env: dict[str, str]) -> None:
    """Run every step not skipped, in order, in one bash shell; record output and exit code.
    A command reads nothing from standard input, except `accord login`, which is answered as
    its user would answer it (`login_input`)."""
    out = cwd.parent / "tour-out"
    out.mkdir()
    script = []
    for i, step in enumerate(steps):
        if step.skip:
            continue
        stdin = login_input(steps, i, out) if step.argv[:2] == ["accord", "login"] else "/dev/null"
        script.append(f"{{ {step.line}\n}} > {out}/{i}.out 2>&1 < {stdin}; echo $? > {out}/{i}.rc")
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "\n".join(script)],
        cwd=cwd,
        env=env,
        timeout=1800,  # a safety net only: each command takes seconds, more on a busy machine
        check=False,
    )
    for i, step in enumerate(steps):
        if step.skip:
            continue
        rc = out / f"{i}.rc"
        step.rc = int(rc.read_text()) if rc.exists() else None
        step.output = (out / f"{i}.out").read_text("utf-8", errors="replace")


def clean_env() -> dict[str, str]:
    """The user's environment without this node's settings and without any `accord` on the
    PATH: only activating the environment, as the tour says, may put it there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.pop("VIRTUAL_ENV", None)
    path = [d for d in env.get("PATH", "").split(os.pathsep) if d]
    env["PATH"] = os.pathsep.join(d for d in path if not (Path(d) / "accord").exists())
    env["COLUMNS"] = "200"  # a terminal wide enough that tables do not cut ids short
    return env


def fresh_clone(tmp: Path) -> Path:
    clone = tmp / "accord"
    clone.mkdir()
    shutil.copytree(ROOT / "examples", clone / "examples")
    venv = Path(sys.prefix)
    assert (venv / "bin" / "activate").exists() and (venv / "bin" / "accord").exists(), (
        f"the tests must run inside the environment `make install` builds, not {venv}"
    )
    (clone / ".venv").symlink_to(venv, target_is_directory=True)
    return clone


# What a user is told to look for, derived from the files the command names.


def example_records(clone: Path) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for path in sorted((clone / "examples").glob("*.ftm.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                records[data["id"]] = data
    for path in sorted((clone / "examples").glob("*.csv")):
        for row in path.read_text("utf-8").splitlines()[1:]:
            rid = row.split(",")[0]
            records[rid] = {"id": rid, "schema": "Person", "properties": {"csv": [row]}}
    return records


def same_text(query: str, value: str) -> bool:
    """`query` occurs in `value` once both are in ASCII letters: the search is expected to
    find a name across scripts (Іван Петренко / Ivan Petrenko)."""
    return (ascii_text(query) or "").casefold() in (ascii_text(value) or "").casefold()


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def positional(argv: list[str], after: int) -> str:
    return next(a for a in argv[after:] if not a.startswith("-"))


def check_step(step: Step, clone: Path, seen: dict[str, list[str]]) -> None:
    argv, out = step.argv, step.output
    records = example_records(clone)
    if argv[:1] != ["accord"]:
        return
    command = argv[1:3]
    if command[0] == "ingest":
        assert re.search(r"\b0 rejected\b", out) and re.search(r"\b[1-9]\d* created\b", out), out
    elif command[0] == "search" and "--federated" not in argv:
        query = positional(argv, 2)
        wanted = [
            rid
            for rid, data in records.items()
            if any(same_text(query, v) for vals in data["properties"].values() for v in vals)
        ]
        assert wanted, f"no sample record matches {query!r}: the tour's search finds nothing"
        for rid in wanted:
            assert rid in out, f"search {query!r} should find {rid}:\n{out}"
        seen["search"].append(query)
    elif command[0] == "match":
        said = re.search(r"finds ([\w-]+)", step.comment)
        assert said, "the tour's match says which record it finds"
        assert said.group(1) in out, out
        assert "name_similarity" in out, out
    elif command[0] == "show":
        rid = positional(argv, 2)
        assert rid in out
        for name in records[rid]["properties"].get("name", []):
            assert name in out
    elif command == ["agreements", "load"]:
        for path in sorted((clone / positional(argv, 3)).glob("*.yaml")):
            assert yaml.safe_load(path.read_text("utf-8"))["id"] in out, out
    elif command == ["policy", "check"]:
        rid = option(argv, "--record")
        assert rid is not None
        found = re.search(r"decision:\s*(\w+)", out)
        assert found, out
        mode = found.group(1)
        envelope = records[rid].get("accord", {})
        if envelope.get("tlp") == "RED":
            assert mode == "deny" and "tlp_red" in out, out
        else:
            assert mode in ("full", "redacted", "reference"), out
            assert re.search(r"clauses:\s*\S+@v\d+/\S+", out), out
        seen["deny" if mode == "deny" else "allow"].append(rid)
    elif command == ["policy", "simulate"]:
        draft = yaml.safe_load((clone / positional(argv, 3)).read_text("utf-8"))
        on = option(argv, "--on")
        today = datetime.now(UTC).date()
        day = date.fromisoformat(on) if on else max(today, draft["valid_from"])
        assert f"judged on {day.isoformat()}" in out, out
        if draft["valid_from"] <= day <= draft.get("valid_until", day):
            assert re.search(r"\b(full|redacted|reference)\b", out), out
        seen["simulate"].append(day.isoformat())
    elif command == ["users", "add"]:
        assert "otpauth://" in out and positional(argv, 3) in out, out
    elif command == ["tokens", "issue"]:
        secret = out.strip().splitlines()[-1]
        assert len(secret) >= 20 and " " not in secret, out
    elif command == ["audit", "verify"]:
        assert "intact" in out and "NOT intact" not in out, out
        seen["verify"].append("ok")


def test_readme_tour_runs_as_printed(tmp_path: Path) -> None:
    steps = parse_steps(tour_block(README.read_text("utf-8")))
    assert any(s.argv[:1] == ["accord"] for s in steps), "the tour has no accord command"
    clone = fresh_clone(tmp_path)
    run_steps(steps, clone, clean_env())
    seen: dict[str, list[str]] = {k: [] for k in ("search", "allow", "deny", "simulate", "verify")}
    for step in steps:
        if step.skip:
            continue
        assert step.rc == step.expected_rc, (
            f"`{step.line}` exited {step.rc}, expected {step.expected_rc}:\n{step.output}"
        )
        check_step(step, clone, seen)
    # The tour shows each of these at least once.
    assert seen["search"], "the tour searches"
    assert seen["allow"] and seen["deny"], f"policy check shows an allow and a deny: {seen}"
    assert seen["simulate"], "the tour simulates a draft"
    assert seen["verify"], "the tour verifies the ledger"
    skipped = {" ".join(s.argv): s.skip for s in steps if s.skip}
    assert set(skipped) <= {*SKIPPED, "accord serve"}, f"commands not run: {skipped}"


def test_tour_parsing_follows_the_readme() -> None:
    block = "\n".join(
        [
            "make install     # .venv/",
            "export ACCORD_HOME=.accord/x   # data",
            "accord policy check --to UA-NPU --record r1 \\",
            "    --purpose investigation   # deny, exits 1",
            "printf '%s\\n' 'pw # not a comment' | accord users add anna --role analyst",
            "accord serve   # runs until Ctrl-C",
        ]
    )
    steps = parse_steps(block)
    assert [s.argv[:3] for s in steps] == [
        ["make", "install"],
        ["export", "ACCORD_HOME=.accord/x"],
        ["accord", "policy", "check"],
        ["accord", "users", "add"],
        ["accord", "serve"],
    ]
    assert steps[2].argv[-2:] == ["--purpose", "investigation"] and steps[2].expected_rc == 1
    assert steps[0].skip == SKIPPED["make install"]
    assert steps[4].skip == LONG_RUNNING_REASON
    assert steps[3].skip is None and steps[1].skip is None
