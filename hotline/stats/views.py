"""Pages of the stats capability."""
from . import bp  # noqa: F401
