"""CV files: checked by what they contain, not by their name, and stored under random names.

Accepted: PDF (`%PDF-`), Word 97-2003 (an OLE2 compound file, `D0 CF 11 E0 A1 B1 1A E1`)
and Word 2007+ (a zip whose entries include `word/`). Files live in `data_dir/cv/` with a
name drawn by `secrets`; nothing the uploader sent reaches a path.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

from app.referrals.errors import CvTooLarge, InvalidCv

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|doc|docx)$")


def sniff(path: Path) -> str | None:
    """The CV's kind from its first bytes: "pdf", "doc", "docx", or None."""
    with path.open("rb") as file:
        head = file.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head == OLE2:
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if any(name.startswith("word/") for name in archive.namelist()):
                    return "docx"
        except (zipfile.BadZipFile, OSError):
            return None
    return None


def too_large(max_bytes: int) -> CvTooLarge:
    """The refusal of a CV above `max_bytes` (also raised by a channel that knows the size
    of a file before fetching it)."""
    return CvTooLarge(f"The CV is larger than {max_bytes // (1024 * 1024)} MB.")


class CvStore:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

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
            kind = sniff(partial)
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
