"""Jobs go to Redis only after the commit; Redis down at save loses nothing (SPEC 6)."""
from sqlalchemy import select

from hotline.calls.service import log_call
from hotline.models import Enquiry, EnquiryStatus
from hotline.queue import get_queue

from .factories import call_payload, make_user


def test_routing_job_is_enqueued_after_the_commit(app, db, reference):
    operator = make_user("operator")
    db.session.commit()
    queue = get_queue()
    call = log_call(operator, call_payload())
    db.session.flush()
    assert queue.count == 0  # not before the commit
    db.session.commit()
    assert queue.count == 1
    job = queue.jobs[0]
    assert job.func_name == "hotline.jobs.route_enquiry" and job.args == (call.enquiry.id,)
    assert job.timeout and job.result_ttl and job.failure_ttl and job.retries_left


def test_rolled_back_work_sends_no_job(app, db, reference):
    operator = make_user("operator")
    db.session.commit()
    log_call(operator, call_payload())  # writes an enquiry and asks for its routing job
    db.session.rollback()
    db.session.commit()
    assert get_queue().count == 0
    assert db.session.execute(select(Enquiry)).first() is None


def test_redis_down_at_save_still_saves_a_new_enquiry(app, db, api, reference, monkeypatch):
    operator = api("operator")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setitem(app.extensions, "hotline.redis", None)
    response = operator.post("/api/v1/calls", json=call_payload())
    assert response.status_code == 201
    enquiry = db.session.get(Enquiry, response.get_json()["enquiry"]["id"])
    assert enquiry.status is EnquiryStatus.NEW
    assert client_health(app)["redis"].startswith("error")


def client_health(app):
    return app.test_client().get("/api/v1/health").get_json()


def test_sweep_re_enqueues_enquiries_left_new(app, db, reference, monkeypatch):
    operator = make_user("operator")
    db.session.commit()
    log_call(operator, call_payload())
    db.session.info.pop("hotline.pending_jobs", None)  # as if Redis had been down at the commit
    db.session.commit()
    monkeypatch.setitem(app.config, "SWEEP_AFTER_SECONDS", 0)
    from hotline.enquiries.routing import sweep

    assert sweep() == 1
    assert get_queue().count == 1
    assert sweep() == 1 and get_queue().count == 1  # a job still waiting is not sent twice


def test_a_job_lost_between_dequeue_and_start_is_sent_again(app, db, reference, monkeypatch):
    """A worker killed right after taking a job off the queue (into RQ's intermediate list, before
    it is marked started) leaves it "queued" but nowhere to run: the sweep sends it again."""
    operator = make_user("operator")
    db.session.commit()
    log_call(operator, call_payload())
    db.session.commit()
    queue = get_queue()
    assert queue.count == 1
    redis = queue.connection
    redis.lmove(queue.key, f"{queue.key}:intermediate", "RIGHT", "LEFT")  # what a dequeue does
    assert queue.count == 0
    monkeypatch.setitem(app.config, "SWEEP_AFTER_SECONDS", 0)
    from hotline.enquiries.routing import sweep

    monkeypatch.setitem(app.config, "STALE_JOB_SECONDS", 3600)
    sweep()
    assert queue.count == 0  # not yet presumed lost
    monkeypatch.setitem(app.config, "STALE_JOB_SECONDS", -1)
    sweep()
    assert queue.count == 1


def test_scheduled_and_immediate_jobs_of_one_transaction_all_reach_redis(app, db, caplog):
    """A routing transaction asks for the SLA jobs (scheduled) and the e-mail (at once): with a
    scheduled job first, RQ could not open its transaction and every job was dropped."""
    from datetime import timedelta

    from rq.registry import ScheduledJobRegistry

    from hotline.models import utcnow
    from hotline.queue import enqueue_after_commit

    enqueue_after_commit("hotline.jobs.sla_warn", 1, job_id="warn-1", at=utcnow() + timedelta(hours=1))
    enqueue_after_commit("hotline.jobs.send_notification_email", 7, job_id="mail-7")
    enqueue_after_commit("hotline.jobs.sla_breach", 1, job_id="breach-1", at=utcnow() + timedelta(hours=2))
    db.session.commit()
    queue = get_queue()
    assert queue.job_ids == ["mail-7"]
    assert sorted(ScheduledJobRegistry(queue=queue).get_job_ids()) == ["breach-1", "warn-1"]
    assert "could not send" not in caplog.text
