"""Readers of soil inspection data into one tidy analyses table.

``read_inspection(path)`` recognises the format by content: SIKB0101 XML
(version 13 or 14, any namespace version), BRO SAD dispatch XML, or a lab
export as CSV or XLSX. It returns an ``InspectionData`` with the analyses,
the samples with their lutum and organic matter, and the quarantined rows.
Pandas and lxml are imported only when a file is read, so DAG files may
import this package.
"""

from __future__ import annotations

from grondwerk.inspection.model import InspectionData
from grondwerk.inspection.reader import detect_format, read_inspection

__all__ = ["InspectionData", "detect_format", "read_inspection"]
