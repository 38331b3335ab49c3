"""CV files: checked by what they contain, not by their name, and stored under random names.

Accepted: PDF (`%PDF-`), Word 97-2003 (an OLE2 compound file, `D0 CF 11 E0 A1 B1 1A E1`)
and Word 2007+ (a zip whose entries include `word/`). Files live in `data_dir/cv/` with a
name drawn by `secrets`; nothing the uploader sent reaches a path.

A zip is bounded before it is read: its end record says how many entries it has, and a
file with more than CV_MAX_ZIP_ENTRIES (a Word file has tens) is refused without parsing
its directory (58,000 entries took half a second); one whose entries unpack to more than
CV_MAX_UNZIPPED_BYTES is a zip bomb for whoever opens it, and refused too. The check
runs in a worker thread, so a crafted file never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import struct
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from app.referrals.errors import CvTooLarge, InvalidCv

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|doc|docx)$")
END_RECORD_SEARCH = 22 + 65_535  # the end record, and the longest comment a zip can carry


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_unzipped_bytes: int


def sniff(path: Path, limits: ZipLimits) -> str | None:
    """The CV's kind from its first bytes: "pdf", "doc", "docx", or None (blocking:
    call it in a thread)."""
    with path.open("rb") as file:
        head = file.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head == OLE2:
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if _is_word_file(path, limits) else None
    return None


def too_large(max_bytes: int) -> CvTooLarge:
    """The refusal of a CV above `max_bytes` (also raised by a channel that knows the size
    of a file before fetching it)."""
    return CvTooLarge(f"The CV is larger than {max_bytes // (1024 * 1024)} MB.")


def _is_word_file(path: Path, limits: ZipLimits) -> bool:
    entries = _declared_entries(path)
    if entries is None or entries > limits.max_entries:
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    if len(infos) > limits.max_entries:
        return False
    if sum(info.file_size for info in infos) > limits.max_unzipped_bytes:
        return False
    return any(info.filename.startswith("word/") for info in infos)


def _declared_entries(path: Path) -> int | None:
    """The entry count in the zip's end-of-central-directory record (read from the file's
    last 64 KiB, where the record and its comment must be), or None if there is none."""
    with path.open("rb") as file:
        file.seek(0, 2)
        size = file.tell()
        file.seek(max(0, size - END_RECORD_SEARCH))
        tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    return int(entries)


class CvStore:
    def __init__(self, directory: Path, max_bytes: int, zip_limits: ZipLimits) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.zip_limits = zip_limits

    async def save(self, chunks: AsyncIterator[bytes]) -> str:
        """Write the upload, check its size and kind; return the stored name.
        On any refusal the partial file is removed and nothing stays on disk."""
        self.directory.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(16)
        partial = self.directory / f"{token}.part"
        size = 0
        try:
            with partial.open("wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise too_large(self.max_bytes)
                    out.write(chunk)
            if size == 0:
                raise InvalidCv("The CV file is empty.")
            kind = await asyncio.to_thread(sniff, partial, self.zip_limits)
            if kind is None:
                raise InvalidCv("The CV must be a PDF, DOC or DOCX file.")
            name = f"{token}.{kind}"
            partial.rename(self.directory / name)
            return name
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()

    def path(self, name: str) -> Path | None:
        if not NAME.match(name):
            return None
        return self.directory / name

    def delete(self, name: str) -> None:
        path = self.path(name)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
