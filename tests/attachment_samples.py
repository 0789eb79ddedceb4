"""Small files of each kind the desk accepts, and of kinds it refuses, built byte by byte the way
their formats lay them out (no fixtures to keep in git)."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64
HEIC = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 32
RTF = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}} \f0 \u1047?\u1076?\u1088?\u1072?\u1074?\u1089?\u1090?\u1074?\u1091?\u1081?\u1090?\u1077? }"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOC = OLE + b"\x00" * (512 - len(OLE)) + b"\xec\xa5\xc1\x00" + b"\x00" * 600
XLS = OLE + b"\x00" * (512 - len(OLE)) + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 600
TEXT_UTF8 = "Здравствуйте! Прошу сообщить сроки набора в летнюю школу.\r\n".encode("utf-8")
TEXT_1251 = "Здравствуйте! Прошу сообщить сроки набора в летнюю школу.\r\n".encode("windows-1251")
# A Windows program: the MZ header, the PE offset, the PE signature.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def _zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, body) in enumerate(entries):
            entry = zipfile.ZipInfo(name, date_time=(2026, 11, 28, 9, 0, 0))  # the same bytes every time
            entry.compress_type = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(entry, body)
    return out.getvalue()


def _content_types(part: str, content_type: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>').encode()


RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def docx(main_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml") -> bytes:
    return _zip([("[Content_Types].xml", _content_types("word/document.xml", main_type)), ("_rels/.rels", RELS),
                 ("word/document.xml", b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                                       b'2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>')])


def docm() -> bytes:
    """A Word document with macros: a zip like a DOCX, its main part typed macro-enabled."""
    return docx("application/vnd.ms-word.document.macroEnabled.main+xml")


def xlsx() -> bytes:
    return _zip([("[Content_Types].xml", _content_types(
        "xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")),
        ("_rels/.rels", RELS.replace(b"word/document.xml", b"xl/workbook.xml")),
        ("xl/workbook.xml", b"<workbook/>")])


def odf(mime: str = "application/vnd.oasis.opendocument.text") -> bytes:
    return _zip([("mimetype", mime.encode()), ("content.xml", b"<office:document-content/>"),
                 ("META-INF/manifest.xml", b"<manifest:manifest/>")], stored_first=True)


def plain_zip() -> bytes:
    return _zip([("readme.txt", b"just a zip"), ("setup.exe", EXE)])


def zip_posing_as_docx() -> bytes:
    """What fools a first-entry check: a `word/` folder first, no [Content_Types].xml at all."""
    return _zip([("word/setup.exe", EXE), ("readme.txt", b"run me")])
