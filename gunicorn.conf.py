"""gunicorn's settings for the Green Line, read by any `gunicorn` started in this directory
(`make run`, the benchmarks, the deployment command in the README); command-line options win.

Processes rather than threads: each process has its own GIL, and on SQLite a thread holding the
write lock that has to wait for its process's GIL holds everyone up. Measured on 2 cores with 8
operators posting calls (bench/intake.py, 2026-11-28, two runs each): 2 processes x 4 threads
416 calls/s, p99 38 ms; 4 x 1 thread 536-553/s, p99 39-44 ms; 4 x 2 threads 485-512/s, p99
36-38 ms. Two threads per process are the default all the same: a process busy with one slow
request (a year of statistics) still answers the connections that happen to be its own."""
import gc
import multiprocessing
import os

worker_class = "gthread"  # keeps connections alive, even with one thread
threads = int(os.environ.get("WEB_THREADS", "2"))
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * multiprocessing.cpu_count())))


def post_worker_init(worker):
    """The application is loaded: its long-lived objects (modules, SQLAlchemy's metadata, the
    translations — about 190 000) leave the garbage collector's view, so a full collection in
    the middle of a request takes milliseconds instead of over 100 ms."""
    gc.freeze()


def on_starting(server):
    """In production, refuse to serve while an account has the demo password (SPEC 10)."""
    from hotline import create_app
    from hotline.auth.startup import refuse_demo_passwords

    refuse_demo_passwords(create_app(), "the web server")
