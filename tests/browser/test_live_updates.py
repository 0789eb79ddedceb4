"""Live updates in a real browser (issue 16 item 12): a coordinator's open inbox shows an enquiry
routed to them, and the bell its count, within a second or two, through the live channel."""
from __future__ import annotations

import time

from playwright.sync_api import expect

from .. import factories


def test_routed_enquiry_appears_in_the_open_inbox_and_on_the_bell_within_two_seconds(app, db, live_server, page,
                                                                                      browser_login, reference):
    from hotline.enquiries.routing import route_enquiry

    coordinator = browser_login(page, "coordinator", topics=["youth"])
    page.goto(f"{live_server}/enquiries/")
    expect(page.locator("#bell-count")).to_have_text("0")
    page.wait_for_timeout(1200)  # the page has taken its first look at the live channel
    enquiry = factories.make_enquiry(topic_code="youth")
    db.session.commit()
    route_enquiry(enquiry.id)
    db.session.commit()  # the live channel is told after the commit
    routed = time.monotonic()
    expect(page.locator("#inbox-rows tr", has_text=enquiry.reference)).to_be_visible(timeout=2000)
    expect(page.locator("#bell-count")).to_have_text("1", timeout=2000)
    assert time.monotonic() - routed <= 2.5
    db.session.refresh(enquiry)
    assert enquiry.assignee_id == coordinator.id
