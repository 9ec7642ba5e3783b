"""Accord: federated cross-border criminal-intelligence exchange.

On import, the package also speeds up followthemoney's own: that library reads its schema
files (71 YAML files) with PyYAML's pure-Python safe loader when it is imported, about 0.2 s
of every command that touches a record. While — and only while — followthemoney's package
body runs, `yaml.safe_load` uses LibYAML's `CSafeLoader`, which builds the same Python objects
from the same documents (safe tags only; `tests/test_ftm_import.py` compares every schema file
both ways). Afterwards `yaml` is exactly as it was and the module keeps its own loader. It acts
once, at the first import of followthemoney, and does nothing when LibYAML is missing or
followthemoney was imported first. Decision 0015.

This runs at every start of Accord, so it imports nothing beyond `sys` (`accord.errors` stays
a light import)."""

__version__ = "0.1.0"


import sys

# Names for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

_FTM = "followthemoney"


class _Loader:
    """The package's own loader, with `exec_module` run under the fast YAML loader."""

    def __init__(self, loader: "Any") -> None:
        self._loader = loader

    def __getattr__(self, name: str) -> "Any":
        return getattr(self._loader, name)

    def create_module(self, spec: "ModuleSpec") -> "ModuleType | None":
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: "ModuleType") -> None:
        import yaml

        safe_load = yaml.safe_load
        if getattr(yaml, "__with_libyaml__", False):
            yaml.safe_load = _c_safe_load
        try:
            self._loader.exec_module(module)
        finally:
            yaml.safe_load = safe_load
            module.__loader__ = self._loader
            if module.__spec__ is not None:
                module.__spec__.loader = self._loader


def _c_safe_load(stream: "Any") -> "Any":
    import yaml

    return yaml.load(stream, Loader=yaml.CSafeLoader)


class _Finder:
    def find_spec(
        self, name: str, path: "Any" = None, target: "ModuleType | None" = None
    ) -> "ModuleSpec | None":
        if name != _FTM:
            return None
        from importlib.machinery import PathFinder

        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)  # type: ignore[assignment]
        return spec


def _install() -> None:
    """Watch for the first import of followthemoney (once per process)."""
    if _FTM in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())


_install()
