"""How attachments read on a page: type and source labels, sizes in the reader's language."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import format_decimal, gettext as _
from flask_babel import lazy_gettext as _l

from ..models import AttachmentSource
from .sniffing import label

SOURCE_LABELS = {
    AttachmentSource.STAFF: _l("added by staff"),
    AttachmentSource.PUBLIC: _l("from the public form"),
    AttachmentSource.EMAIL: _l("from e-mail"),
}
# What a file picker offers first; the server decides by the bytes, not by these.
ACCEPT = ".pdf,.jpg,.jpeg,.png,.heic,.tif,.tiff,.doc,.docx,.xls,.xlsx,.odt,.ods,.rtf,.txt"


def format_size(size: int) -> str:
    """«12 Б», «340 КБ», «1,2 МБ»."""
    if size < 1024:
        return _("%(n)s B", n=size)
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(round(size / 1024)))
    return _("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))


def upload_hint() -> str:
    return _("PDF, photos (JPEG, PNG, HEIC, TIFF), documents (DOC, DOCX, XLS, XLSX, ODT, ODS, RTF) or text; "
             "up to %(mb)d MB.", mb=int(current_app.config["MAX_ATTACHMENT_MB"]))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.globals.update(
        attachment_type=label,
        attachment_source=lambda source: SOURCE_LABELS.get(source, source),
        attachment_accept=ACCEPT,
        attachment_hint=upload_hint,
    )
