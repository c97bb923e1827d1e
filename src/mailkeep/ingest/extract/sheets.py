"""Spreadsheets (XLSX) via calamine."""

from __future__ import annotations

import datetime as dt
import io

from python_calamine import CalamineWorkbook

from mailkeep.ingest.extract.containers import check_memory, open_zip
from mailkeep.ingest.extract.normalise import TextSink


def _cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    # Spreadsheets store every number as a float; 42.0 should be indexed as "42".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


# calamine holds the shared strings and a sheet's cells at about this many times their XML.
_CALAMINE_FACTOR = 4


def _check(data: bytes, kind: str) -> None:
    """The ZIP checks, and calamine's memory need against this process's cap."""
    with open_zip(data, kind) as archive:
        xml = sum(m.file_size for m in archive.infolist() if m.filename.lower().endswith(".xml"))
    check_memory(kind, xml, _CALAMINE_FACTOR)


def extract_xlsx(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed each sheet's name and every row of cell values (one line per row) into ``sink``."""
    _check(data, kind)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        for name in workbook.sheet_names:
            if sink.full:
                return
            sink.add(name)
            sheet = workbook.get_sheet_by_name(name)
            for row in sheet.iter_rows():
                sink.add("\t".join(_cell_text(value) for value in row))
                if sink.full:
                    return
            sink.section_break()
    finally:
        workbook.close()
