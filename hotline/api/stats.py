"""`GET /api/v1/stats`: every figure of SPEC section 7 for a period and filters."""
from __future__ import annotations

from flask import jsonify, request

from ..stats.figures import compute
from ..stats.period import parse_filters, parse_period
from . import bp
from .auth import api_role_required
from .schemas import Stats, StatsQuery
from .spec import responses, validate


@bp.get("/stats")
@api_role_required("supervisor")
@validate(query=StatsQuery, resp=responses(200, Stats, 401, 403, 422))
def get_stats():
    """Every statistics figure of SPEC 7 for a period (Perm local dates, `to` exclusive)"""
    # BadDate (400) and ValidationFailed (422) are ServiceErrors: the API's handler shapes them.
    period = parse_period(request.args)
    filters = parse_filters(request.args)
    return jsonify(compute(period, filters))
