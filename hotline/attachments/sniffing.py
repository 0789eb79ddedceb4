"""What a file is, read from its bytes (`filetype`) and never from its name: the allow-list of
SPEC 8.2. Office documents of 2007 on and OpenDocument are zip archives, so a zip is taken for one
only when its own table of contents says so; any other zip, and anything filetype knows that is not
on the list (programs among them), is refused."""
from __future__ import annotations

import io
import re
import zipfile

import filetype
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed

PDF = "application/pdf"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLS = "application/vnd.ms-excel"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
RTF = "application/rtf"
ZIP = "application/zip"

# What filetype may say that we take as it says.
ALLOWED = {PDF, "image/jpeg", "image/png", "image/heic", "image/tiff", DOC, XLS, RTF}
# Office Open XML: the content type [Content_Types].xml declares for the main part of each kind
# (the macro-enabled kinds declare another, and are refused with the plain zips).
OOXML_MAIN = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
ODF = (ODT, ODS)
ZIP_KINDS = {DOCX, XLSX, ODT, ODS, ZIP, "application/epub+zip"}
# NUL and the control characters text has no use for (tabs, line and page breaks it has).
NOT_TEXT = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
# A table of contents larger than this is not an office document's (and not read further).
MAX_MANIFEST_BYTES = 1 << 20

# Short names people read for the allowed types.
LABELS = {PDF: "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIC", "image/tiff": "TIFF",
          DOC: "DOC", DOCX: "DOCX", XLS: "XLS", XLSX: "XLSX", ODT: "ODT", ODS: "ODS", RTF: "RTF"}
EXTENSIONS = {PDF: ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic",
              "image/tiff": ".tif", DOC: ".doc", DOCX: ".docx", XLS: ".xls", XLSX: ".xlsx", ODT: ".odt",
              ODS: ".ods", RTF: ".rtf"}

NOT_ALLOWED = _l("This kind of file is not accepted: send a PDF, a photo (JPEG, PNG, HEIC, TIFF), "
                 "a document (DOC, DOCX, XLS, XLSX, ODT, ODS, RTF) or plain text.")


def refuse(message=NOT_ALLOWED):
    raise ValidationFailed(message, {"file": message})


def sniff(data: bytes) -> str:
    """The content type of `data` if it is on the allow-list (with a charset for text);
    ValidationFailed otherwise."""
    if not data:
        refuse(_l("The file is empty."))
    kind = filetype.guess_mime(data)
    if kind in ZIP_KINDS:
        return zipped_document(data)
    if kind in ALLOWED:
        return kind
    # Clean text is text, whatever a magic number at its start suggests («BM…» reads as a bitmap).
    charset = text_charset(data)
    if charset:
        return f"text/plain; charset={charset}"
    refuse()


def zipped_document(data: bytes) -> str:
    """DOCX, XLSX, ODT or ODS by the archive's own table of contents, whatever filetype guessed
    from the first entry: a zip that merely has a `word/` folder, or a real document that
    filetype did not recognise, is each told for what it is."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names and "content.xml" in names:
            declared = _small_entry(archive, "mimetype").strip()
            for kind in ODF:
                if declared == kind.encode():
                    return kind
        if "[Content_Types].xml" in names:
            manifest = _small_entry(archive, "[Content_Types].xml")
            for kind, main in OOXML_MAIN.items():
                part = _main_part_name(manifest, main)
                if part is not None and part in names:
                    return kind
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        pass
    refuse()


def _small_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ValueError(f"{name} too large")
    with archive.open(info) as entry:
        return entry.read(MAX_MANIFEST_BYTES + 1)[:MAX_MANIFEST_BYTES]


def _main_part_name(manifest: bytes, content_type: bytes) -> str | None:
    """The part [Content_Types].xml gives `content_type` to (`word/document.xml`), if any. A plain
    scan of its Override elements: the file is generated, and an XML parser would expand entities."""
    for element in manifest.split(b"<Override")[1:]:
        element = element.split(b">", 1)[0]
        if b'ContentType="' + content_type + b'"' not in element:
            continue
        start = element.find(b'PartName="')
        if start < 0:
            continue
        value = element[start + len(b'PartName="'):].split(b'"', 1)[0]
        return value.decode("utf-8", "replace").lstrip("/")
    return None


def text_charset(data: bytes) -> str | None:
    """`utf-8` or `windows-1251` if `data` reads as plain text in one of them: no NUL, no other
    control characters than tabs, line and page breaks."""
    if NOT_TEXT.search(data):
        return None
    for charset in ("utf-8", "windows-1251"):
        try:
            data.decode(charset)
        except UnicodeDecodeError:
            continue
        return charset
    return None


def label(content_type: str) -> str:
    return LABELS.get(content_type, "TXT" if content_type.startswith("text/plain") else content_type)


def extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type, ".txt" if content_type.startswith("text/plain") else "")
