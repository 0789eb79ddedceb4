"""Open311 GeoReport v2 (SPEC 8.3) at /open311/v2: one service per topic, requests that become
web calls with routed enquiries, their public status. XML (required by the spec) and JSON."""
from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from . import views  # noqa: E402,F401
