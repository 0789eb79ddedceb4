"""FAQ through the API: search, create, edit, record a use."""
from . import bp  # noqa: F401
