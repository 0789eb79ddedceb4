"""E-mail benchmark (issue 11): 1 000 messages in a real IMAP box (a throwaway Dovecot) taken in
by one worker — messages per second — then answers given one after another while a worker runs:
the time from the answer's commit to the SMTP server's acceptance (aiosmtpd, in this process),
p50/p95.

    .venv/bin/python bench/mail.py [--messages 1000] [--answers 100] [--rate 5]
                                   [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ROOT, flask, free_port, percentile, scratch_instance  # noqa: E402

SANDBOX = "/work/shared/tools/imap-sandbox"
QUESTIONS = ["Как попасть в молодёжный обмен с Дуйсбургом?", "Когда выйдет бюллетень «Побратимы»?",
             "Можно ли прийти в экстрим-парк с детьми?", "Где посмотреть архивные документы об Оксфорде?",
             "Как подать заявку на бизнес-миссию в Циндао?"]

SETUP = r"""
from hotline import create_app
from hotline.extensions import db
from hotline.auth.service import create_user
app = create_app()
with app.app_context():
    for i in range(4):
        create_user(f"bench-c{i}", "coordinator", "bench-password",
                    topics=["other", "youth", "information", "extreme-park", "archives", "business"])
    db.session.commit()
"""

INGEST = r"""
import json, time
from hotline import create_app
from hotline.mail.intake import poll
app = create_app()
with app.app_context():
    start, total = time.perf_counter(), 0
    while True:
        taken = poll()
        total += taken
        if not taken:
            break
    print(json.dumps({"messages": total, "seconds": time.perf_counter() - start}))
"""

ANSWER = r"""
import json, sys, time
from sqlalchemy import select
from hotline import create_app
from hotline.extensions import db
from hotline.enquiries.workflow import answer_enquiry
from hotline.models import Enquiry, EnquiryStatus
app = create_app()
count, rate = int(sys.argv[1]), float(sys.argv[2])
committed = {}
with app.app_context():
    ids = db.session.execute(select(Enquiry.id).where(Enquiry.status == EnquiryStatus.ASSIGNED)
                             .order_by(Enquiry.id).limit(count)).scalars().all()
    db.session.commit()
    for n, enquiry_id in enumerate(ids):
        due = time.time() + 1 / rate
        enquiry = db.session.get(Enquiry, enquiry_id)
        answer_enquiry(enquiry.assignee, enquiry, "Ответ на ваш вопрос: заявки принимаются до 1 марта.")
        db.session.commit()
        committed[enquiry.reference] = time.time()
        time.sleep(max(0.0, due - time.time()))
print(json.dumps(committed))
"""


class Sink:
    def __init__(self):
        self.accepted: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import email

        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.count += 1
            if message.get("Auto-Submitted") is None:  # answers, not acknowledgements
                subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
                self.accepted.setdefault(subject.split(":")[0], time.time())
        return "250 OK"


def make_messages(n: int) -> list[bytes]:
    messages = []
    for i in range(n):
        message = EmailMessage()
        message["From"] = f"Житель {i} <resident{i}@example.ru>"
        message["To"] = "hotline@zl.example"
        message["Subject"] = f"Вопрос {i}"
        message["Message-ID"] = make_msgid(f"bench{i}", domain="example.ru")
        text = QUESTIONS[i % len(QUESTIONS)] + f"\n\nС уважением,\nЖитель {i}\n"
        if i % 5 == 4:  # some HTML-only, some windows-1251, as real mail is
            message.set_content(f"<html><body><p>{text}</p></body></html>", subtype="html")
        elif i % 5 == 3:
            message.set_content(text, charset="windows-1251")
        else:
            message.set_content(text)
        messages.append(message.as_bytes())
    return messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()

    imap_dir, imap_port = tempfile.mkdtemp(prefix="hotline-bench-imap-"), free_port()
    url = subprocess.run([SANDBOX, "start", imap_dir, str(imap_port), "bench", "bench-pw"], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    worker = None
    try:
        with scratch_instance(args.database_url, args.redis_url) as env:
            env.update({"MAIL_IMAP_URL": url, "MAIL_POLL_BATCH": "200", "MAIL_SERVER": "127.0.0.1",
                        "MAIL_PORT": str(smtp.port), "MAIL_FROM": "hotline@zl.example", "SWEEP_AFTER_SECONDS": "2",
                        "MAIL_POLL_SECONDS": "3600"})  # the benchmark polls itself; the worker only sends
            flask(env, "db", "upgrade")
            flask(env, "seed-reference")
            subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True)
            from imap_tools import MailBoxUnencrypted

            with MailBoxUnencrypted("127.0.0.1", imap_port).login("bench", "bench-pw") as box:
                for raw in make_messages(args.messages):
                    box.append(raw, "INBOX", dt=None, flag_set=())
            out = subprocess.run([sys.executable, "-c", INGEST], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True).stdout
            ingest = json.loads(out.strip().splitlines()[-1])
            rate = ingest["messages"] / ingest["seconds"]
            print(f"ingest: {ingest['messages']} messages in {ingest['seconds']:.1f} s = {rate:.0f} messages/s "
                  f"(one process, SQLite={not args.database_url})")

            worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 300
            while sink.count < ingest["messages"] and time.time() < deadline:  # routed and acknowledged
                time.sleep(0.5)
            print(f"worker: {sink.count} acknowledgements accepted by SMTP")
            out = subprocess.run([sys.executable, "-c", ANSWER, str(args.answers), str(args.rate)], cwd=ROOT,
                                 env=env, check=True, capture_output=True, text=True).stdout
            committed = json.loads(out.strip().splitlines()[-1])
            deadline = time.time() + 60
            while len(sink.accepted) < len(committed) and time.time() < deadline:
                time.sleep(0.2)
            latencies = sorted(sink.accepted[ref] - at for ref, at in committed.items() if ref in sink.accepted)
            print(f"answer → SMTP accepted: {len(latencies)}/{len(committed)} answers at {args.rate}/s, "
                  f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                  f"max {latencies[-1] * 1000 if latencies else float('nan'):.0f} ms")
            _stop(worker)  # before the scratch instance's Redis goes
            worker = None
    finally:
        _stop(worker)
        smtp.stop()
        subprocess.run([SANDBOX, "stop", imap_dir], check=False)
        shutil.rmtree(imap_dir, ignore_errors=True)


def _stop(worker: subprocess.Popen | None) -> None:
    if worker is None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(15)
    except subprocess.TimeoutExpired:
        worker.kill()


if __name__ == "__main__":
    main()
