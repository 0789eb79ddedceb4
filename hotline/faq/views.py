"""Pages of the faq capability."""
from . import bp  # noqa: F401
