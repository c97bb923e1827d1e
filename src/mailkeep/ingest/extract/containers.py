"""ZIP-based formats (OOXML, ODF): sanity and zip-bomb checks before any parser sees the data."""

from __future__ import annotations

import io
import resource
import zipfile

from mailkeep.ingest.extract.errors import ExtractionError

# Encrypted Office documents (and legacy .doc/.xls/.ppt) are OLE compound files, not ZIPs.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Real documents stay far below these; anything above is a zip bomb or not worth indexing.
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBERS = 10_000


def open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """Open ``data`` as a ZIP archive, refusing encrypted, corrupt and oversized packages.

    Python's zipfile never inflates a member beyond its declared size, so bounding the declared
    sizes bounds what the OOXML/ODF libraries (which read through zipfile) can unpack.
    """
    if data.startswith(_OLE_MAGIC):
        raise ExtractionError(
            f"{kind}: document is encrypted or in a legacy binary format", kind=kind
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(
            f"{kind}: not a valid document (bad ZIP container)", kind=kind
        ) from exc
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ExtractionError(f"{kind}: too many parts ({len(members)})", kind=kind)
    if sum(member.file_size for member in members) > MAX_TOTAL_UNCOMPRESSED:
        raise ExtractionError(f"{kind}: uncompressed size exceeds the safety limit", kind=kind)
    return archive


def check_zip(data: bytes, kind: str) -> None:
    """Run :func:`open_zip`'s checks for a library that opens the bytes itself."""
    open_zip(data, kind).close()


def check_memory(kind: str, unpacked_bytes: int, factor: int) -> None:
    """Refuse a document whose library would need more memory than this process may use:
    about ``factor`` times the ``unpacked_bytes`` it parses. For libraries that abort the
    process when an allocation fails (calamine, in Rust) instead of raising MemoryError, so
    that the document fails alone and the worker lives on."""
    limit, _hard = resource.getrlimit(resource.RLIMIT_DATA)
    if limit != resource.RLIM_INFINITY and unpacked_bytes * factor > limit:
        raise ExtractionError(
            f"{kind}: not indexed: reading it needs more memory than a worker may use", kind=kind
        )
