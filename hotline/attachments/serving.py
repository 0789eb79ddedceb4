"""An attachment as a download: always `attachment`, never shown inline; the type we sniffed, not
one a browser guesses; the sender's name in an RFC 5987 header, so Cyrillic names arrive whole."""
from __future__ import annotations

import logging
from urllib.parse import quote

from flask import send_file

from ..errors import NotFound
from ..models import Attachment
from . import storage
from .sniffing import extension

log = logging.getLogger(__name__)

# The file is a download, not a page: if a browser ever renders it, it runs nothing.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def content_disposition(name: str, fallback: str) -> str:
    """`attachment` with a plain ASCII filename (the name itself if it is one, else `fallback`)
    and the exact name as `filename*` (RFC 5987 / RFC 6266)."""
    plain = name if name.isascii() and name.isprintable() and not set(name) & set('"\\;') else fallback
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(attachment: Attachment):
    path = storage.path_of(attachment.stored_file)
    if not path.is_file():
        log.error("attachment %d: its file %s is missing", attachment.id, path.name)
        raise NotFound("missing file")
    response = send_file(path, conditional=False, etag=False, max_age=0)
    response.headers["Content-Type"] = attachment.content_type  # as stored: text keeps its own charset
    response.headers["Content-Disposition"] = content_disposition(
        attachment.name, f"attachment-{attachment.id}{extension(attachment.content_type)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
