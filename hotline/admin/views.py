"""Pages of the admin capability."""
from . import bp  # noqa: F401
