"""The coordinator's inbox and the enquiry page (filled in by the routing issue)."""
from . import bp  # noqa: F401
