"""Attachments through the API (SPEC 8.2): upload to an enquiry one may see, download by id."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from ..attachments.service import add_attachment, open_attachment
from ..attachments.serving import download_response
from ..attachments.uploads import read_upload, takes_upload
from ..extensions import db
from ..models import AttachmentSource
from . import bp
from .auth import api_role_required
from .enquiries import enquiry_by_key
from .errors import json_error
from .schemas import Attachment as AttachmentOut, UploadIn
from .serialise import attachment_json
from .spec import EXTRA_BODIES, responses, validate


@bp.post("/enquiries/<key>/attachments")
@takes_upload
@api_role_required("operator", "coordinator", "supervisor")
@validate(resp=responses(201, AttachmentOut, 401, 403, 404, 413, 422))
def upload_attachment(key: str):
    """Attach a file to an enquiry one may see (PDF, images, office documents, plain text; the type
    is read from the bytes)"""
    enquiry = enquiry_by_key(key)
    if enquiry is None:
        return json_error(404, _("No enquiry %(key)s.", key=key[:40]))
    filename, data = read_upload(request.files.get("file"))
    attachment = add_attachment(enquiry, filename, data, AttachmentSource.STAFF, g.api_user)
    db.session.commit()
    return jsonify(attachment_json(attachment)), 201


@bp.get("/attachments/<int:attachment_id>")
@api_role_required("operator", "coordinator", "supervisor")
@validate(resp=responses(200, None, 401, 403, 404))
def download_attachment(attachment_id: int):
    """Download an attachment (only for those who may see its enquiry), as Content-Disposition: attachment"""
    attachment = open_attachment(g.api_user, attachment_id, via="api")
    response = download_response(attachment)
    db.session.commit()
    return response


EXTRA_BODIES[("/enquiries/{id}/attachments", "post")] = {"required": True, "content": {"multipart/form-data": {
    "schema": UploadIn.model_json_schema()}}}
