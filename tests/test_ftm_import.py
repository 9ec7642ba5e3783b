"""followthemoney's schema files are read with LibYAML while its package loads
(`accord/__init__.py`), and the result is the model PyYAML's own safe loader builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

_PROBE = """
import json, sys
import yaml
loaders = []
original_load = yaml.load
def spy(stream, Loader):
    loaders.append(Loader.__name__)
    return original_load(stream, Loader=Loader)
yaml.load = spy
safe_load = yaml.safe_load
import accord
import followthemoney
from followthemoney import model
yaml.load = original_load
print(json.dumps({
    "loaders": sorted(set(loaders)),
    "calls": len(loaders),
    "safe_load_restored": yaml.safe_load is safe_load,
    "own_loader": type(followthemoney.__spec__.loader).__module__,
    "schemata": sorted(model.schemata),
}))
"""


def test_followthemoney_loads_its_schemata_with_libyaml_and_leaves_yaml_as_it_was() -> None:
    res = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(res.stdout)
    assert seen["loaders"] == ["CSafeLoader"]
    assert seen["calls"] >= 70  # one per schema file
    assert seen["safe_load_restored"]
    assert seen["own_loader"] != "accord"
    assert "Person" in seen["schemata"]
    assert "LegalEntity" in seen["schemata"]


def test_libyaml_reads_every_schema_file_as_the_python_loader_does() -> None:
    from followthemoney.model import MODEL_PATH

    files = [os.path.join(d, f) for d, _, names in os.walk(MODEL_PATH) for f in names]
    assert len(files) >= 70
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text), path
