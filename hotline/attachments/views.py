"""The staff download of an attachment (the enquiry page links here); the upload is an action of
the enquiry page, and the API has its own routes in hotline/api/attachments.py."""
from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required

from ..errors import NotFound
from ..extensions import db
from ..writes import writes
from . import bp
from .serving import download_response
from .service import open_attachment


@bp.get("/attachments/<int:attachment_id>")
@writes
@login_required
def download(attachment_id: int):
    try:
        attachment = open_attachment(current_user, attachment_id, via="page")
        response = download_response(attachment)
    except NotFound:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return response
