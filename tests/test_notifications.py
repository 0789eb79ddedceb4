"""Notifications: the bell, and e-mail through a job to a local SMTP sink (never the network)."""
import email
import email.policy
import socketserver
import threading

import pytest
from sqlalchemy import select

from hotline.models import Notification

from .factories import PASSWORD, make_coordinator, make_enquiry
from .jobs import run_jobs


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages; they land in `server.messages`."""

    def handle(self):
        self.wfile.write(b"220 sink ready\r\n")
        data_mode, lines = False, []
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if line == ".":
                    self.server.messages.append("\n".join(lines))
                    data_mode, lines = False, []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            command = line.split(" ", 1)[0].upper()
            if command in ("EHLO", "HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif command == "DATA":
                data_mode = True
                self.wfile.write(b"354 go on\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_assignment_rings_the_bell(app, db, client, reference):
    coordinator = make_coordinator()
    e = make_enquiry()
    run_jobs(app, with_scheduler=False)
    client.post("/login", data={"login": coordinator.login, "password": PASSWORD})
    assert client.get("/notifications/count").get_data(as_text=True).count(">1<") == 1
    page = client.get("/notifications/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert e.reference in page and "Новое обращение" in page
    client.post("/notifications/read")
    assert ">0<" in client.get("/notifications/count").get_data(as_text=True)


def test_email_goes_through_a_job_when_smtp_is_set(app, db, reference, smtp_sink, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_sink.server_address[1])
    coordinator = make_coordinator()
    coordinator.email = "coordinator@example.test"
    e = make_enquiry()
    run_jobs(app, with_scheduler=False)  # routes it: the notification and its e-mail job
    run_jobs(app, with_scheduler=False)
    assert len(smtp_sink.messages) == 1
    message = email.message_from_string(smtp_sink.messages[0], policy=email.policy.default)
    assert message["To"] == "coordinator@example.test"
    assert e.reference in message["Subject"] and e.reference in message.get_content()
    note = db.session.execute(select(Notification).where(Notification.user_id == coordinator.id)).scalar_one()
    assert note.emailed_at is not None


def test_no_smtp_means_no_email_job(app, db, reference):
    coordinator = make_coordinator()
    coordinator.email = "coordinator@example.test"
    make_enquiry()
    run_jobs(app, with_scheduler=False)
    from hotline.queue import get_queue

    assert get_queue().count == 0
    note = db.session.execute(select(Notification).where(Notification.user_id == coordinator.id)).scalar_one()
    assert note.emailed_at is None
