"""Reading agreement files from a directory."""

from __future__ import annotations

import pytest

from accord.policy import AgreementError
from accord.policy.files import load_agreement_directory, read_agreement_files

from .test_load import GOOD


def test_reads_yaml_files_sorted_and_ignores_others(tmp_path):
    (tmp_path / "b.yml").write_text("b: 1\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an agreement", encoding="utf-8")
    (tmp_path / "sub.yaml").mkdir()
    assert read_agreement_files(tmp_path) == [("a.yaml", "a: 1\n"), ("b.yml", "b: 1\n")]


def test_loads_a_directory_or_names_the_broken_file(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    assert [a.id for a in load_agreement_directory(tmp_path)] == ["de-nl-test"]
    (tmp_path / "zz-broken.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(AgreementError) as caught:
        load_agreement_directory(tmp_path)
    assert {p.file for p in caught.value.problems} == {"zz-broken.yaml"}
