"""Batch linkage of person records for cross-referencing (pure).

- `prepare`: a record as one flat row, computed with the matcher's normalisation.
- `spec`: the comparison spec as data, and the Splink settings built from it for every backend.
- `clusters`: the clusters that `same` judgements make, and the canonical order of a pair.

The modules are imported by name; Splink itself is imported only where settings are built.
"""

__all__ = ["clusters", "prepare", "spec"]
