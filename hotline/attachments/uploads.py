"""Reading an uploaded file: a view that takes one is marked `@takes_upload`, and its requests may
then be as large as an attachment (and a little over, so that a file just above the limit gets
a clear answer rather than a bare 413); other requests keep Flask's default."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from ..errors import ValidationFailed
from .service import MB, max_bytes

# Form fields beside the file, and multipart framing.
FORM_ALLOWANCE = 1 * MB


def takes_upload(view):
    view.takes_upload = True
    return view


def request_limit() -> int:
    """A request to an upload view is refused unread above this (the file's limit twice over)."""
    return 2 * max_bytes() + FORM_ALLOWANCE


def limit_upload_requests() -> None:
    """Before anything reads the body: a request to a view marked `@takes_upload` may be as
    large as `request_limit()`, and is refused with 413 unread above it."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "takes_upload", False):
        request.max_content_length = request_limit()


def read_upload(upload: FileStorage | None, required: bool = True) -> tuple[str, bytes] | None:
    """(name, bytes) of an uploaded file, read no further than one byte over the limit (enough
    for `check_attachment` to say it is too large); None when no file was chosen and none is
    required."""
    if upload is None or not (upload.filename or "").strip():
        if not required:
            return None
        message = _l("Choose a file.")
        raise ValidationFailed(message, {"file": message})
    return upload.filename, upload.stream.read(max_bytes() + 1)
