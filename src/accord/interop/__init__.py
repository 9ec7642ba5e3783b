"""Reading and writing exchange formats (adapters): FtM JSON lines, mapped CSV."""

from accord.interop.csvmap import CsvMapping, load_mapping, read_mapped_csv
from accord.interop.lines import BadLine, parse_json_line, read_json_lines, read_json_raw

__all__ = [
    "BadLine",
    "CsvMapping",
    "load_mapping",
    "parse_json_line",
    "read_json_lines",
    "read_json_raw",
    "read_mapped_csv",
]
