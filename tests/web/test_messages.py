"""Every language of the workbench has every message English has, and no other."""

import json
import shutil
import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
SCRIPT = """
import("./src/messages.js").then(({ MESSAGES }) => {
  const keys = Object.fromEntries(Object.entries(MESSAGES).map(([l, m]) => [l, Object.keys(m)]));
  console.log(JSON.stringify(keys));
});
"""


def test_every_language_has_every_message() -> None:
    node = shutil.which("node")
    assert node is not None, "node (with npm) builds the workbench: it is needed here too"
    out = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT],
        cwd=WEB,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    keys: dict[str, list[str]] = json.loads(out)
    assert set(keys) == {"en", "fr", "de", "es", "ar", "uk", "ru"}
    english = set(keys["en"])
    assert {lang: set(found) ^ english for lang, found in keys.items()} == {
        lang: set() for lang in keys
    }
