"""Attachments (SPEC 3, 8.2): files on enquiries from staff, the public form and e-mail — stored by
content hash, typed by their bytes, served only to those who may see the enquiry."""
from flask import Blueprint, Flask

bp = Blueprint("attachments", __name__)

from . import display, uploads, views
from .service import add_attachment, remove_enquiry_attachments  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """The download page, the template helpers, and the size limit of upload requests. Call it
    before `csrf.init_app`: the CSRF check reads the form, and the limit must be set first."""
    app.register_blueprint(bp)
    display.init_app(app)
    app.before_request(uploads.limit_upload_requests)
