import difflib
from pathlib import Path

from accord.auth import ACCESS, Role, access_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
START, END = "<!-- access-matrix:start -->", "<!-- access-matrix:end -->"
REGENERATE = (
    "regenerate it: .venv/bin/python -c "
    "'from accord.auth import access_table; print(access_table(), end=\"\")' "
    "and paste it between the access-matrix markers"
)


def test_table_has_one_row_per_entry_and_a_column_per_role() -> None:
    lines = access_table().splitlines()
    assert len(lines) == 2 + len(ACCESS)
    assert lines[0].count("|") == len(Role) + 4
    search = next(line for line in lines if "`POST /api/v1/search`" in line)
    assert search.count("✓") == 4 and "`search`" in search


def test_security_doc_shows_the_matrix_as_it_is_in_the_code() -> None:
    text = DOC.read_text("utf-8")
    assert START in text and END in text, f"docs/security.md lacks the markers; {REGENERATE}"
    published = text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    current = access_table()
    diff = "\n".join(
        difflib.unified_diff(
            published.splitlines(), current.splitlines(), "doc", "code", lineterm=""
        )
    )
    assert published == current, f"docs/security.md is out of date; {REGENERATE}\n{diff}"
