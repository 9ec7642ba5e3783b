"""Reading and writing exchange formats (adapters): FtM JSON lines, mapped CSV."""

from accord.interop.csvmap import CsvMapping, load_mapping, read_mapped_csv
from accord.interop.lines import BadLine, read_json_lines

__all__ = ["BadLine", "CsvMapping", "load_mapping", "read_json_lines", "read_mapped_csv"]
