"""Run the RQ worker, with RQ's scheduler, inside the app context: `python worker.py`."""
from __future__ import annotations

from hotline.workers import main

if __name__ == "__main__":
    main()
