"""The history importer moved to `hotline/imports/calls.py` (issue 14); this name stays for the
statistics' own command and for code written against it."""
from ..imports.calls import (COLUMNS, ImportFailed, ImportReport, RowParser, import_calls,  # noqa: F401
                             open_text)
