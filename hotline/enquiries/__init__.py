"""Enquiries: questions routed from a call to the coordinator responsible."""
from flask import Blueprint

bp = Blueprint("enquiries", __name__, url_prefix="/enquiries")

from . import list_views, views  # noqa: E402,F401
