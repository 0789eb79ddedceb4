"""Real mail servers for tests: aiosmtpd in-process for SMTP, and a throwaway Dovecot (the
shared imap-sandbox script) for IMAP. Import the fixtures into a test module to use them."""
from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import subprocess
import tempfile
import threading

import pytest
from aiosmtpd.controller import Controller

IMAP_SANDBOX = os.environ.get("IMAP_SANDBOX", "/work/shared/tools/imap-sandbox")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """Keeps every message the SMTP server accepts."""

    def __init__(self):
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self.lock:
            return [email.message_from_bytes(e.original_content or e.content, policy=email.policy.default)
                    for e in self.envelopes]


class SmtpServer:
    """An aiosmtpd server on a fixed free port that can be stopped and started again (SMTP down,
    then back)."""

    def __init__(self):
        self.port = free_port()
        self.sink = Sink()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.sink.messages


@pytest.fixture
def smtp_server(app):
    """An SMTP server not yet started; the app sends to its port."""
    server = SmtpServer()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT_SECONDS=5)
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """An SMTP server up and accepting."""
    return smtp_server.start()


class ImapSandbox:
    def __init__(self, directory, port, user="hotline", password="sandbox-pw"):
        self.directory, self.port, self.user, self.password = str(directory), port, user, password
        self.url = None

    def start(self):
        out = subprocess.run([IMAP_SANDBOX, "start", self.directory, str(self.port), self.user, self.password],
                             check=True, capture_output=True, text=True, timeout=30)
        self.url = out.stdout.strip().splitlines()[-1]
        return self

    def stop(self):
        subprocess.run([IMAP_SANDBOX, "stop", self.directory], check=False, timeout=30)

    def mailbox(self):
        from imap_tools import MailBoxUnencrypted

        return MailBoxUnencrypted("127.0.0.1", self.port).login(self.user, self.password)

    def append(self, *raw_messages: bytes) -> None:
        with self.mailbox() as box:
            for raw in raw_messages:
                box.append(raw, "INBOX", dt=None, flag_set=())


@pytest.fixture
def imap(app):
    """A real Dovecot on a free port with an empty INBOX; the app polls it. Its directory is not
    under pytest's own (mode 0700, reset by every pytest run): Dovecot's user must reach it."""
    if not os.path.exists("/usr/sbin/dovecot"):
        pytest.fail("dovecot is not installed: apt-get install -y dovecot-imapd (as .ci/run does)")
    directory = tempfile.mkdtemp(prefix="hotline-imap-")
    sandbox = ImapSandbox(directory, free_port()).start()
    app.config["MAIL_IMAP_URL"] = sandbox.url
    yield sandbox
    sandbox.stop()
    shutil.rmtree(directory, ignore_errors=True)
