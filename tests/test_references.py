"""Enquiry references: the format, the Latin alias, and uniqueness under concurrent saves."""
import threading

from sqlalchemy import select

from hotline.calls.service import log_call
from hotline.enquiries.references import format_reference, next_reference, parse_reference
from hotline.models import Enquiry, User

from .factories import call_payload, make_user


def test_format_and_alias():
    assert format_reference(2026, 42) == "ЗЛ-2026-000042"
    assert parse_reference("ZL-2026-000042") == "ЗЛ-2026-000042"
    assert parse_reference(" зл-2026-42 ") == "ЗЛ-2026-000042"
    assert parse_reference("ZL-26-1") is None and parse_reference("") is None


def test_numbers_are_consecutive_and_restart_each_year(db):
    assert [next_reference(2026) for _ in range(3)] == ["ЗЛ-2026-000001", "ЗЛ-2026-000002", "ЗЛ-2026-000003"]
    assert next_reference(2027) == "ЗЛ-2027-000001"


def test_operators_saving_at_the_same_instant_get_different_references(app, db, reference):
    ids = [make_user("operator").id for _ in range(8)]
    db.session.commit()
    per_thread = 6
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def save(user_id: int):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                db.session.commit()  # end the read before the race, as a request would
                barrier.wait()
                for _ in range(per_thread):
                    log_call(user, call_payload())
                    db.session.commit()
            except BaseException as exc:  # surfaced below
                errors.append(exc)
                db.session.rollback()

    threads = [threading.Thread(target=save, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = db.session.execute(select(Enquiry.reference)).scalars().all()
    assert len(references) == len(ids) * per_thread == len(set(references))
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers == list(range(1, len(references) + 1))  # gapless too
