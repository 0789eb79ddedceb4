"""`GET /api/v1/stats`: every figure of SPEC section 7."""
from . import bp  # noqa: F401
