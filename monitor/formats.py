"""What `monitor export` writes (monitor/export.py).

Here, apart from the export and the records, so the command line declares its --format option
without importing either: `monitor --help` loads neither the records' dataclasses nor the export.
"""

from enum import StrEnum


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    GEOJSON = "geojson"
