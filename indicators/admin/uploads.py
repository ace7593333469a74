"""Uploaded files kept between an import's preview and its confirmation.

The preview and the confirmation are two requests, and a national file is too big to send
twice, so the upload is kept on the server: in a private folder (never under MEDIA_ROOT, which
the web server may publish, since an officer's file can hold figures withheld from the public),
one sub-folder per user, each file named by its SHA-256. The confirmation form carries only
that hash: it must be 64 hexadecimal characters, it must be one this session uploaded, and it
names a file in this user's own folder, so a path never comes from the browser. A file goes
when its import is confirmed, or after a day.

The folder is ``settings.IMPORT_UPLOAD_ROOT`` if set, otherwise ``jsna-import-uploads`` in the
system's temporary folder. With several web servers it must be a folder they share.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

#: How long an uploaded file is kept if its import is never confirmed.
MAX_AGE_SECONDS = 24 * 60 * 60
#: The session key holding {hash: {"name": file name, "size": bytes}} of this session's uploads.
SESSION_KEY = "indicators_import_uploads"
#: Uploads remembered per session; the oldest is forgotten first.
SESSION_LIMIT = 20

SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ZIP = b"PK\x03\x04"
_SUFFIXES = (".csv", ".xlsx")


def upload_root() -> Path:
    configured = getattr(settings, "IMPORT_UPLOAD_ROOT", None)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / "jsna-import-uploads"


def is_sha256(text: str) -> bool:
    return bool(SHA256.fullmatch(text))


@dataclass(frozen=True)
class Upload:
    """A kept upload: where it is, and what the officer called it."""

    sha256: str
    name: str
    size: int
    path: Path


class UploadStore:
    """One user's kept uploads."""

    def __init__(self, user_id: int, root: Path | None = None) -> None:
        self.root = root or upload_root()
        self.folder = self.root / str(int(user_id))

    def save(self, upload: UploadedFile) -> str:
        """Keep the file (written in chunks, hashed on the way); return its SHA-256.

        It is kept as ``<hash>.xlsx`` if it is a ZIP archive (as a workbook is), since openpyxl
        opens only files whose names say they are workbooks, and as ``<hash>.csv`` otherwise;
        the importer itself goes by the bytes, never by the name."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        head = b""
        handle, partial = tempfile.mkstemp(dir=self.folder, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as target:
                for chunk in upload.chunks():
                    head = head or chunk[:4]
                    digest.update(chunk)
                    target.write(chunk)
            sha256 = digest.hexdigest()
            suffix = ".xlsx" if head.startswith(_ZIP) else ".csv"
            self.delete(sha256)
            os.replace(partial, self.folder / f"{sha256}{suffix}")  # also renews its age
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return sha256

    def path(self, sha256: str) -> Path | None:
        """The kept file with this hash, or None (not a hash, never kept, or gone)."""
        if not is_sha256(sha256):
            return None
        for suffix in _SUFFIXES:
            path = self.folder / f"{sha256}{suffix}"
            if path.is_file():
                return path
        return None

    def delete(self, sha256: str) -> None:
        if is_sha256(sha256):
            for suffix in _SUFFIXES:
                (self.folder / f"{sha256}{suffix}").unlink(missing_ok=True)

    def sweep(self, *, max_age: float = MAX_AGE_SECONDS) -> int:
        """Delete every user's kept files (and abandoned partial ones) older than a day."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - max_age
        removed = 0
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                try:
                    if path.is_file() and path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:  # another request swept it first
                    continue
        return removed


def remember(request: HttpRequest, sha256: str, *, name: str, size: int) -> None:
    """Note in the session that this session uploaded the file."""
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads.pop(sha256, None)
    uploads[sha256] = {"name": name, "size": size}
    while len(uploads) > SESSION_LIMIT:
        uploads.pop(next(iter(uploads)))
    request.session[SESSION_KEY] = uploads


def forget(request: HttpRequest, sha256: str) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    if uploads.pop(sha256, None) is not None:
        request.session[SESSION_KEY] = uploads


def find(request: HttpRequest, sha256: str) -> Upload | None:
    """This session's upload with this hash, if it is still kept."""
    if not is_sha256(sha256):
        return None
    record = request.session.get(SESSION_KEY, {}).get(sha256)
    if record is None:
        return None
    path = UploadStore(request.user.pk).path(sha256)
    if path is None:
        return None
    return Upload(sha256=sha256, name=record["name"], size=record["size"], path=path)
