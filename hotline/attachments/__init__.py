"""Attachments (SPEC 3, 8.2): files on enquiries from staff, the public form and e-mail — stored by
content hash, typed by their bytes, served only to those who may see the enquiry."""
from flask import Blueprint

bp = Blueprint("attachments", __name__)

from . import views  # noqa: E402,F401
from .service import add_attachment, remove_enquiry_attachments  # noqa: E402,F401
from .uploads import init_app  # noqa: E402,F401
