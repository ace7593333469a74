"""Checks on the files that officers attach to topic pages as downloads.

A download is published under MEDIA_URL, from the site's own address, so a file that a browser
would run there (a web page, an SVG image, a script) would run as the site: cross-site scripting
by upload. And a file offered to the public should be what its name says it is. So
`validate_download` takes a file only if:

- its extension is one of `ALLOWED_EXTENSIONS`: the documents, spreadsheets, data and images a
  JSNA publishes;
- it is no bigger than ``settings.DOWNLOAD_MAX_BYTES`` (25 MB unless set);
- its first bytes are that kind of file's signature. Word, Excel and PowerPoint files (.docx,
  .xlsx, .pptx) and OpenDocument files (.odt, .ods) are ZIP archives, so the archive's table of
  contents is read too: it must be the right kind of document, and hold no macros. A CSV or text
  file must be UTF-8 or Windows-1252 text with no binary data, and must not look like a web
  page or a script.

The old Office formats (.xls, .doc) are refused. Their signature says only that the file is an
OLE compound file, which an Excel or Word file is, but so are Outlook messages and Windows
installers; and they carry macros without their name saying so (as .xlsm does). Every Office
since 2007 saves as .xlsx and .docx, and the import refuses .xls likewise.

Only what is needed is read: a few bytes, a ZIP archive's table of contents (nothing is
unpacked but an OpenDocument file's few-byte ``mimetype``), and a text file's text, which is
as big as the size limit allows. The file is left at its start.
"""

from __future__ import annotations

import codecs
import os
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat

DEFAULT_DOWNLOAD_MAX_BYTES = 25 * 1024 * 1024

#: Extension → what a file with it must be, in the words of the messages.
ALLOWED_EXTENSIONS: dict[str, str] = {
    ".pdf": "a PDF document",
    ".docx": "a Word document",
    ".xlsx": "an Excel workbook",
    ".pptx": "a PowerPoint presentation",
    ".odt": "an OpenDocument text document",
    ".ods": "an OpenDocument spreadsheet",
    ".csv": "a CSV file",
    ".txt": "a plain text file",
    ".png": "a PNG image",
    ".jpg": "a JPEG image",
    ".jpeg": "a JPEG image",
}
ALLOWED_DESCRIPTION = (
    "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument (.odt, .ods), "
    "CSV, plain text (.txt) and PNG or JPEG images"
)

_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: The folder every part of each kind of Office document is in.
_OOXML_FOLDERS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
#: The ``mimetype`` that opens each kind of OpenDocument file.
_ODF_MIMETYPES = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
#: The signature of each kind of file that is not an archive or text.
_SIGNATURE_OF = {".pdf": _PDF, ".png": _PNG, ".jpg": _JPEG, ".jpeg": _JPEG}
#: Old formats: what they are, and how to save them in the new one.
_OLD_OFFICE = {
    ".xls": ("an Excel 97–2003 workbook", "open it in Excel, save it as an .xlsx workbook"),
    ".doc": ("a Word 97–2003 document", "open it in Word, save it as a .docx document"),
    ".ppt": ("a PowerPoint 97–2003 file", "open it in PowerPoint, save it as a .pptx file"),
}

#: How much of a text file is searched for signs of a web page or script.
_TEXT_SEARCHED = 64 * 1024
#: Signs that a text file is a web page, an SVG image or a script, which a browser could run.
_MARKUP = (b"<script", b"<svg", b"<html", b"<!doctype", b"<iframe", b"<object", b"<embed")
_CHUNK_SIZE = 256 * 1024

# What a file is, from its first bytes, to tell an officer what was uploaded instead.
_SIGNATURES = [
    (_PDF, "a PDF document"),
    (_PNG, "a PNG image"),
    (_JPEG, "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (_ZIP, "a ZIP archive"),
    (_OLE, "an old (97–2003) Office file"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
]


def download_max_bytes() -> int:
    return getattr(settings, "DOWNLOAD_MAX_BYTES", DEFAULT_DOWNLOAD_MAX_BYTES)


def validate_download(file: IO[bytes]) -> None:
    """Refuse a file that cannot be published as a download, saying why and what would do.

    A file already saved (a link edited without a new upload) was checked when it was
    uploaded, and is not read back from storage."""
    if isinstance(file, FieldFile) and file._committed:
        return
    name = os.path.basename(file.name or "")
    extension = os.path.splitext(name)[1].lower()
    if extension in _OLD_OFFICE:
        what, instead = _OLD_OFFICE[extension]
        raise ValidationError(
            f"“{name}” is {what}, an old format that cannot be published as a download: "
            f"{instead} and upload that. Downloads can be {ALLOWED_DESCRIPTION}.",
            code="old_office_format",
        )
    if extension not in ALLOWED_EXTENSIONS:
        kind = f"{extension} files" if extension else "Files without an extension"
        raise ValidationError(
            f"“{name}” cannot be published as a download: {kind} are not allowed. Downloads "
            f"can be {ALLOWED_DESCRIPTION}.",
            code="extension_not_allowed",
        )
    limit = download_max_bytes()
    if file.size > limit:
        raise ValidationError(
            f"“{name}” is {filesizeformat(file.size)}, over the limit of "
            f"{filesizeformat(limit)} for a download. Make it smaller (for a PDF, save it with "
            f"smaller images), or split it into several files.",
            code="too_big",
        )
    if not file.size:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    try:
        problem = _content_problem(file, extension)
    finally:
        file.seek(0)
    if problem:
        raise ValidationError(f"“{name}” {problem}", code="content_not_allowed")


def _content_problem(file: IO[bytes], extension: str) -> str:
    """What is wrong with the file's content for its extension ("" if nothing is)."""
    expected = ALLOWED_EXTENSIONS[extension]
    file.seek(0)
    head = file.read(16)
    if extension in _OOXML_FOLDERS or extension in _ODF_MIMETYPES:
        if head.startswith(_ZIP):
            return _zip_problem(file, extension)
    elif extension in (".csv", ".txt"):
        return _text_problem(file, expected)
    elif head.startswith(_SIGNATURE_OF[extension]):
        return ""
    return _mismatch(expected, extension, head)


def _mismatch(expected: str, extension: str, head: bytes) -> str:
    what = next((what for magic, what in _SIGNATURES if head.startswith(magic)), "")
    if not what and head.lstrip().startswith(b"<"):
        what = "a web page or an SVG image"
    looks = f" It looks like {what}." if what else ""
    return (
        f"is not {expected}, though its name ends in {extension}.{looks} Save it again as "
        f"{expected} and upload that."
    )


def _zip_problem(file: IO[bytes], extension: str) -> str:
    """An Office or OpenDocument file is a ZIP archive of the document's parts; only its
    table of contents is read (and an OpenDocument file's ``mimetype``, after checking that
    it is a few bytes)."""
    expected = ALLOWED_EXTENSIONS[extension]
    damaged = f"is damaged, or is not {expected}: it cannot be read as one. Save it again."
    try:
        with zipfile.ZipFile(file) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            if extension in _ODF_MIMETYPES:
                mimetype = infos.get("mimetype")
                if mimetype is None or mimetype.file_size > 100 or mimetype.compress_size > 100:
                    return _mismatch(expected, extension, _ZIP)
                if archive.read(mimetype).strip() != _ODF_MIMETYPES[extension]:
                    return _mismatch(expected, extension, _ZIP)
                macros = any(n.startswith(("Basic/", "Scripts/")) for n in infos)
            else:
                folder = _OOXML_FOLDERS[extension]
                if "[Content_Types].xml" not in infos or not any(
                    n.startswith(folder) for n in infos
                ):
                    return _mismatch(expected, extension, _ZIP)
                macros = any(n.lower().endswith("vbaproject.bin") for n in infos)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return damaged
    if macros:
        return (
            "contains macros (programs that run when it is opened), which cannot be "
            f"published. Save a copy without macros, as {expected}, and upload that."
        )
    return ""


def _text_problem(file: IO[bytes], expected: str) -> str:
    """A CSV or text file: readable text, with no binary data, not a web page or a script."""
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8_ok = cp1252_ok = True
    searched = b""
    file.seek(0)
    while chunk := file.read(_CHUNK_SIZE):
        if b"\x00" in chunk:
            return (
                f"is not {expected}: it contains binary data. Save it again as {expected} "
                f"(for a spreadsheet, “CSV UTF-8”)."
            )
        if len(searched) < _TEXT_SEARCHED:
            searched += chunk[: _TEXT_SEARCHED - len(searched)]
            problem = _markup_problem(searched)
            if problem:
                return problem
        utf8_ok = utf8_ok and _decodes(utf8, chunk)
        cp1252_ok = cp1252_ok and _decodes(cp1252, chunk)
        if not (utf8_ok or cp1252_ok):
            break
    utf8_ok = utf8_ok and _decodes(utf8, b"", final=True)
    if utf8_ok or cp1252_ok:
        return ""
    return (
        "cannot be read as text: it is neither UTF-8 nor Windows-1252. Save it again as "
        f"{expected} (for a spreadsheet, “CSV UTF-8”)."
    )


def _markup_problem(searched: bytes) -> str:
    lowered = searched.removeprefix(codecs.BOM_UTF8).lower()
    sign = next((marker for marker in _MARKUP if marker in lowered), b"")
    if not sign and lowered.lstrip().startswith(b"<"):
        sign = b"<"
    if not sign:
        return ""
    shown = "it begins with “<”" if sign == b"<" else f"it contains “{sign.decode()}”"
    return (
        f"looks like a web page or a script ({shown}), which a browser could run, so it "
        f"cannot be published. Publish the data as a plain CSV file, or the page as a PDF."
    )


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False
    return True
