"""The live channel (hotline/live.py): changes per person and per shared channel, after the
commit only, each said once; the bell and the inbox ride it (issue 16 item 12)."""
from __future__ import annotations

from hotline import live
from hotline.extensions import db as _db

from .factories import make_enquiry, make_user


def test_changes_are_per_person_said_once_and_only_after_the_commit(db):
    anna, boris = make_user("operator"), make_user("operator")
    db.session.commit()
    start = live.current_seq()
    live.publish_after_commit(anna.id, "call", {"cti_call_id": "x"})
    assert live.changes(anna, start)[1] == {}  # not yet committed
    db.session.commit()
    seq, changed = live.changes(anna, start)
    assert changed == {"call": {"cti_call_id": "x"}} and seq > start
    assert live.changes(anna, seq)[1] == {} and live.changes(boris, start)[1] == {}
    live.publish_after_commit(anna.id, "bell")
    db.session.rollback()
    assert live.changes(anna, seq)[1] == {}  # rolled back: never said


def test_routing_rings_the_coordinators_bell_and_refreshes_every_inbox(db, reference):
    from hotline.enquiries.routing import route_enquiry
    from hotline.notifications.service import mark_read

    coordinator = make_user("coordinator", topics=["youth"])
    colleague = make_user("coordinator", topics=["youth"])
    supervisor = make_user("supervisor")
    operator = make_user("operator")
    enquiry = make_enquiry(operator)
    db.session.commit()
    start = live.current_seq()
    route_enquiry(enquiry.id)
    db.session.commit()
    _db.session.refresh(enquiry)
    assignee = coordinator if enquiry.assignee_id == coordinator.id else colleague
    other = colleague if assignee is coordinator else coordinator
    assert set(live.changes(assignee, start)[1]) == {"bell", "inbox"}
    assert set(live.changes(other, start)[1]) == {"inbox"}  # the desk's channel
    assert set(live.changes(supervisor, start)[1]) == {"inbox"}
    assert live.changes(operator, start)[1] == {}
    seq = live.current_seq()
    mark_read(assignee)
    db.session.commit()
    assert set(live.changes(assignee, seq)[1]) == {"bell"}


def test_live_endpoint_answers_without_redis(app, client, login_as, monkeypatch):
    login_as("operator")

    def down(*args, **kwargs):
        raise ConnectionError("redis is away")

    monkeypatch.setattr(live, "changes", down)
    assert client.get("/live?since=5").get_json() == {"seq": 5, "changes": {}, "offline": True}
    assert client.get("/live?since=abc").status_code == 400
