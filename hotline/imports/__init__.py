"""Imports of historical calls and of FAQ entries: the CLI's `import-calls` and the admins' page
with a preview, a background job with its progress in the database, cancelling, and row keys so
that the same file twice adds nothing."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")

from . import views  # noqa: E402,F401
