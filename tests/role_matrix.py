"""The checked-in table of expected statuses for tests/test_role_matrix.py, written from SPEC 1
(the people), 8 (interfaces) and 10 (who sees what), not from the decorators it tests.

Each entry: (method, rule) → statuses for (anonymous, operator, coordinator, supervisor, admin),
each role acting on its own world (its enquiry: logged by the operator, assigned to the
coordinator). Writes are sent with an empty body, so an allowed write is mostly its validation
answer (422, 400); a deletion goes through (302). Admins see no calls, callers or enquiries
except through the privacy pages (SPEC 10), so the desk's pages refuse them (403).
A new route needs its line here, or test_every_route_has_an_entry_and_every_entry_a_route fails."""

ROLES = ("anonymous", "operator", "coordinator", "supervisor", "admin")

L, U, F, N = 302, 401, 403, 404   # to the login page; API without a token; refused; not found
OK = 200

# Route parameters that the world's ids do not fill by name.
PARAMS = {
    "/lang/<code>": {"code": "ru"},
    "/enquiries/<int:enquiry_id>/<action>": {"action": "note"},
    "/open311/v2/services/<code>.<fmt>": {"code": "youth", "fmt": "json"},
    "/open311/v2/discovery.<fmt>": {"fmt": "json"},
    "/open311/v2/services.<fmt>": {"fmt": "json"},
    "/open311/v2/requests.<fmt>": {"fmt": "json"},
    "/open311/v2/requests/<reference>.<fmt>": {"fmt": "json"},
    "/open311/v2/tokens/<token>.<fmt>": {"token": "no-such-token", "fmt": "json"},
    "/static/<path:filename>": {"filename": "css/app.css"},
    "/admin/audit/export.<fmt>": {"fmt": "xlsx"},
    "/enquiries/list/export.<fmt>": {"fmt": "csv"},
    "/admin/imports/<int:import_id>": {"import_id": 999999},
    "/admin/imports/<int:import_id>/progress": {"import_id": 999999},
    "/admin/imports/<int:import_id>/<action>": {"import_id": 999999, "action": "start"},
    "/callbacks/<int:task_id>/attempts": {"task_id": 999999},           # none: who may act gets 404
    "/api/v1/callbacks/<int:task_id>/attempts": {"task_id": 999999},
    "/mail/outbox/<int:mail_id>": {"mail_id": 999999},
    "/feedback/<token>": {"token": "not-a-signed-token"},
    "/stats/export/<name>.<fmt>": {"name": "summary", "fmt": "csv"},
    "/stats/appeals.<fmt>": {"fmt": "csv"},
    "/admin/mail-templates/<letter>/<language>/<part>": {"letter": "answer", "language": "ru", "part": "html"},
    "/admin/mail-templates/<letter>/<language>/<part>/reset": {"letter": "answer", "language": "ru", "part": "html"},
    "/cti/<token>": {"token": "zlcti_forged"},
}

EXPECTED = {
    # Letters to residents (issue 11): admins only.
    ("GET", "/admin/mail-templates"):                               (L, F, F, F, OK),
    ("GET", "/admin/mail-templates/<letter>/<language>/<part>"):    (L, F, F, F, OK),
    ("POST", "/admin/mail-templates/<letter>/<language>/<part>"):   (L, F, F, F, 422),  # empty: the text is required
    ("POST", "/admin/mail-templates/<letter>/<language>/<part>/reset"): (L, F, F, F, 303),
    # method, rule                                                  anon oper coord super admin
    ("GET", "/"):                                                   (L, 302, 302, 302, 302),
    ("POST", "/lang/<code>"):                                       (302, 302, 302, 302, 302),
    ("GET", "/profile"):                                            (L, OK, OK, OK, OK),
    ("POST", "/profile"):                                           (L, 303, 303, 303, 303),  # empty: "as my browser asks"
    ("GET", "/login"):                                              (OK, 302, 302, 302, 302),
    ("POST", "/login"):                                             (OK, 302, 302, 302, 302),  # the form again, with its errors
    ("POST", "/logout"):                                            (L, 302, 302, 302, 302),
    ("GET", "/static/<path:filename>"):                             (OK, OK, OK, OK, OK),

    # Administration: supervisors keep absences and routing; the rest is the admin's (SPEC 1, 12)
    ("GET", "/admin/"):                                             (L, F, F, OK, OK),
    ("GET", "/admin/absences"):                                     (L, F, F, OK, OK),
    ("POST", "/admin/absences"):                                    (L, F, F, 422, 422),
    ("POST", "/admin/absences/<int:absence_id>/delete"):            (L, F, F, 303, 303),
    ("GET", "/admin/routing"):                                      (L, F, F, OK, OK),
    ("POST", "/admin/routing/groups"):                              (L, F, F, 422, 422),
    ("GET", "/admin/routing/groups/<int:group_id>"):                (L, F, F, OK, OK),
    ("POST", "/admin/routing/groups/<int:group_id>"):               (L, F, F, 422, 422),
    ("POST", "/admin/routing/groups/<int:group_id>/delete"):        (L, F, F, 303, 303),
    ("POST", "/admin/routing/groups/<int:group_id>/members"):       (L, F, F, 422, 422),
    ("POST", "/admin/routing/groups/<int:group_id>/members/<int:member_id>/delete"): (L, F, F, 303, 303),
    ("POST", "/admin/routing/rules"):                               (L, F, F, 422, 422),
    ("GET", "/admin/routing/rules/<int:rule_id>"):                  (L, F, F, OK, OK),
    ("POST", "/admin/routing/rules/<int:rule_id>"):                 (L, F, F, 422, 422),
    ("POST", "/admin/routing/rules/<int:rule_id>/delete"):          (L, F, F, 303, 303),
    ("GET", "/admin/calendar"):                                     (L, F, F, F, OK),
    ("POST", "/admin/calendar"):                                    (L, F, F, F, 422),
    ("POST", "/admin/calendar/<day>/delete"):                       (L, F, F, F, 303),
    ("GET", "/admin/reference"):                                    (L, F, F, F, OK),
    ("GET", "/admin/cities/new"):                                   (L, F, F, F, OK),
    ("POST", "/admin/cities/new"):                                  (L, F, F, F, 422),
    ("GET", "/admin/cities/<int:city_id>"):                         (L, F, F, F, OK),
    ("POST", "/admin/cities/<int:city_id>"):                        (L, F, F, F, 422),
    ("POST", "/admin/cities/<int:city_id>/delete"):                 (L, F, F, F, 303),
    ("GET", "/admin/topics/new"):                                   (L, F, F, F, OK),
    ("POST", "/admin/topics/new"):                                  (L, F, F, F, 422),
    ("GET", "/admin/topics/<int:topic_id>"):                        (L, F, F, F, OK),
    ("POST", "/admin/topics/<int:topic_id>"):                       (L, F, F, F, 422),
    ("POST", "/admin/topics/<int:topic_id>/delete"):                (L, F, F, F, 303),
    ("GET", "/admin/sla"):                                          (L, F, F, F, OK),
    ("POST", "/admin/sla"):                                         (L, F, F, F, 422),
    ("GET", "/admin/sla/<int:policy_id>"):                          (L, F, F, F, OK),
    ("POST", "/admin/sla/<int:policy_id>"):                         (L, F, F, F, 422),
    ("POST", "/admin/sla/<int:policy_id>/delete"):                  (L, F, F, F, 303),
    ("GET", "/admin/users"):                                        (L, F, F, F, OK),
    ("GET", "/admin/users/new"):                                    (L, F, F, F, OK),
    ("POST", "/admin/users/new"):                                   (L, F, F, F, 422),
    ("GET", "/admin/users/<int:user_id>"):                          (L, F, F, F, OK),
    ("POST", "/admin/users/<int:user_id>"):                         (L, F, F, F, 422),
    ("POST", "/admin/users/<int:user_id>/tokens"):                  (L, F, F, F, 303),  # shown once after the redirect
    ("POST", "/admin/users/<int:user_id>/tokens/<int:token_id>/revoke"): (L, F, F, F, 303),
    ("GET", "/admin/open311-keys"):                                 (L, F, F, F, OK),
    ("POST", "/admin/open311-keys"):                                (L, F, F, F, 422),
    ("POST", "/admin/open311-keys/<int:key_id>/revoke"):            (L, F, F, F, 303),
    ("POST", "/admin/users/<int:user_id>/sign-in-delay/clear"):     (L, F, F, F, 303),
    ("GET", "/admin/audit"):                                        (L, F, F, F, OK),
    ("GET", "/admin/audit/export.<fmt>"):                           (L, F, F, F, OK),

    # The call desk (operators; supervisors too); coordinators see the calls of their enquiries
    ("GET", "/calls/"):                                             (L, OK, OK, OK, F),
    ("GET", "/calls/new"):                                          (L, OK, F, OK, F),
    ("POST", "/calls/new"):                                         (L, 422, F, 422, F),
    ("GET", "/calls/lookup"):                                       (L, OK, F, OK, F),
    ("GET", "/calls/faq-suggest"):                                  (L, OK, OK, OK, F),
    ("POST", "/calls/faq-suggest"):                                 (L, OK, OK, OK, F),

    # Enquiries: the operator who logged it reads it; the assignee works it (a note needs a body)
    ("GET", "/enquiries/"):                                         (L, F, OK, OK, F),
    ("GET", "/enquiries/rows"):                                     (L, F, OK, OK, F),
    ("GET", "/enquiries/<int:enquiry_id>"):                         (L, OK, OK, OK, F),
    ("POST", "/enquiries/<int:enquiry_id>/<action>"):               (L, F, 422, 422, F),

    # FAQ: everyone at the desk reads; coordinators (their topics) and supervisors edit
    ("GET", "/faq/"):                                               (L, OK, OK, OK, OK),
    ("GET", "/faq/suggest"):                                        (L, OK, OK, OK, OK),
    ("GET", "/faq/<int:entry_id>"):                                 (L, OK, OK, OK, OK),
    ("GET", "/faq/new"):                                            (L, F, OK, OK, OK),
    ("POST", "/faq/new"):                                           (L, F, 422, 422, 422),
    ("GET", "/faq/<int:entry_id>/edit"):                            (L, F, OK, OK, OK),
    ("POST", "/faq/<int:entry_id>/edit"):                           (L, F, 422, 422, 422),
    ("POST", "/faq/<int:entry_id>/status"):                         (L, F, 302, 302, 302),  # "not possible", back to the entry
    ("GET", "/faq/usage"):                                          (L, F, OK, OK, OK),

    # Call-back tasks: operators and supervisors (SPEC 8.2, 12); the outbox: admins
    ("GET", "/callbacks/"):                                         (L, OK, F, OK, F),
    ("POST", "/callbacks/<int:task_id>/attempts"):                  (L, 302, F, 302, F),  # no such task: said on the list
    ("GET", "/mail/outbox"):                                        (L, F, F, F, OK),
    ("GET", "/mail/outbox/<int:mail_id>"):                          (L, F, F, F, N),

    # Everyone's own bell
    ("GET", "/notifications/"):                                     (L, OK, OK, OK, OK),
    ("GET", "/notifications/count"):                                (L, OK, OK, OK, OK),
    ("POST", "/notifications/read"):                                (L, 302, 302, 302, 302),

    # Personal data requests (supervisors; admins through these pages only)
    ("GET", "/privacy/"):                                           (L, F, F, OK, OK),
    ("GET", "/privacy/callers/<int:caller_id>"):                    (L, F, F, OK, OK),
    ("GET", "/privacy/callers/<int:caller_id>/export.json"):        (L, F, F, OK, OK),
    ("POST", "/privacy/callers/<int:caller_id>/erase"):             (L, F, F, 422, 422),

    # Statistics (supervisors; admins pass where supervisors do outside personal data)
    ("GET", "/stats/"):                                             (L, F, F, OK, OK),
    ("GET", "/stats/live"):                                         (L, F, F, OK, OK),
    ("GET", "/stats/export/<name>.<fmt>"):                          (L, F, F, OK, OK),
    ("GET", "/stats/appeals.<fmt>"):                                (L, F, F, OK, OK),  # the 59-FZ report

    # Residents, no login (the same for everyone)
    ("GET", "/public/"):                                            (OK, OK, OK, OK, OK),
    ("GET", "/public/ask"):                                         (OK, OK, OK, OK, OK),
    ("GET", "/public/sent"):                                        (302, 302, 302, 302, 302),  # nothing sent: to the form
    ("POST", "/public/ask"):                                        (422, 422, 422, 422, 422),
    ("GET", "/public/status"):                                      (OK, OK, OK, OK, OK),
    ("POST", "/public/status"):                                     (N, N, N, N, N),  # nothing found
    ("POST", "/public/status/message"):                             (N, N, N, N, N),
    ("GET", "/feedback/<token>"):                                   (N, N, N, N, N),
    ("POST", "/feedback/<token>"):                                  (N, N, N, N, N),
    ("GET", "/open311/v2/discovery.<fmt>"):                         (OK, OK, OK, OK, OK),
    ("GET", "/open311/v2/services.<fmt>"):                          (OK, OK, OK, OK, OK),
    ("GET", "/open311/v2/services/<code>.<fmt>"):                   (OK, OK, OK, OK, OK),
    ("POST", "/open311/v2/requests.<fmt>"):                         (F, F, F, F, F),  # no partner key: 403 (SPEC 8.3)
    ("GET", "/open311/v2/requests.<fmt>"):                          (OK, OK, OK, OK, OK),
    ("GET", "/open311/v2/requests/<reference>.<fmt>"):              (OK, OK, OK, OK, OK),
    ("GET", "/open311/v2/tokens/<token>.<fmt>"):                    (N, N, N, N, N),

    # The JSON API (SPEC 8.2): a token, its user's role, the same visibility
    ("GET", "/api/v1/health"):                                      (OK, OK, OK, OK, OK),
    ("GET", "/api/v1/openapi.json"):                                (OK, OK, OK, OK, OK),
    ("POST", "/api/v1/calls"):                                      (U, 422, F, 422, F),
    ("GET", "/api/v1/calls/<int:call_id>"):                         (U, OK, OK, OK, F),
    ("GET", "/api/v1/callers"):                                     (U, 422, 422, 422, F),
    ("GET", "/api/v1/enquiries"):                                   (U, OK, OK, OK, F),
    ("GET", "/api/v1/enquiries/<key>"):                             (U, OK, OK, OK, F),
    ("POST", "/api/v1/enquiries/<key>/answer"):                     (U, F, 422, 422, F),
    ("POST", "/api/v1/enquiries/<key>/reassign"):                   (U, F, 422, 422, F),
    # 59-FZ: supervisors only; the world's enquiry is no formal appeal, so nothing to extend (409)
    ("POST", "/api/v1/enquiries/<key>/extend"):                     (U, F, F, 409, F),
    # Attachments follow their enquiry; 404 (never 403) to whoever may not see it (SPEC 10, 8.2)
    ("POST", "/api/v1/enquiries/<key>/attachments"):                (U, 422, 422, 422, N),
    ("GET", "/api/v1/attachments/<int:attachment_id>"):             (U, OK, OK, OK, N),
    ("GET", "/attachments/<int:attachment_id>"):                    (L, OK, OK, OK, N),
    ("GET", "/api/v1/faq"):                                         (U, OK, OK, OK, OK),
    ("POST", "/api/v1/faq"):                                        (U, F, F, 422, 422),
    ("GET", "/api/v1/faq/<int:entry_id>"):                          (U, OK, OK, OK, OK),
    ("PATCH", "/api/v1/faq/<int:entry_id>"):                        (U, F, F, OK, OK),
    ("POST", "/api/v1/faq/<int:entry_id>/use"):                     (U, 201, 201, 201, 201),
    ("GET", "/api/v1/stats"):                                       (U, F, F, OK, OK),
    ("GET", "/api/v1/callbacks"):                                   (U, OK, F, OK, F),
    # The body is checked before the task is looked up (issue 13.16): the empty body is 422.
    ("POST", "/api/v1/callbacks/<int:task_id>/attempts"):           (U, 422, F, 422, F),
    ("GET", "/api/v1/audit"):                                       (U, F, F, F, OK),

    # Telephony (issue 12): the phone system posts with its own token (a forged one: 401 for
    # everyone, whoever is signed in); admins keep the integrations; everyone's page asks the
    # live channel what changed for them.
    ("POST", "/cti/<token>"):                                       (U, U, U, U, U),
    ("GET", "/api/v1/telephony/calls"):                             (U, OK, F, OK, F),
    ("GET", "/api/v1/telephony/active"):                            (U, OK, F, F, F),
    ("GET", "/telephony/wallboard"):                                (L, F, F, OK, OK),
    ("GET", "/telephony/wallboard/board"):                          (L, F, F, OK, OK),
    ("GET", "/live"):                                               (L, OK, OK, OK, OK),
    ("GET", "/admin/cti"):                                          (L, F, F, F, OK),
    ("POST", "/admin/cti"):                                         (L, F, F, F, 422),
    ("POST", "/admin/cti/<int:key_id>/revoke"):                     (L, F, F, F, N),  # the world's key is Open311's
    # Staff search and the caller page (issue 14): the desk's people, scoped by SPEC 10; admins see none
    ("GET", "/search"):                                             (L, OK, OK, OK, F),
    ("GET", "/callers/<int:caller_id>"):                            (L, OK, OK, OK, F),
    ("GET", "/api/v1/search"):                                      (U, 422, 422, 422, F),  # no query
    # Enquiry lists and their export (issue 14): each sees the enquiries SPEC 10 lets them see
    ("GET", "/enquiries/list"):                                     (L, OK, OK, OK, F),
    ("GET", "/enquiries/list/export.<fmt>"):                        (L, OK, OK, OK, F),
    # The public FAQ (issue 14): everyone reads published entries; a vote without a verdict goes back
    ("GET", "/public/faq"):                                         (OK, OK, OK, OK, OK),
    ("GET", "/public/faq/<int:entry_id>"):                          (OK, OK, OK, OK, OK),
    ("POST", "/public/faq/<int:entry_id>/vote"):                    (303, 303, 303, 303, 303),
    # Imports from the browser (issue 14): admins only; no such import is 404
    ("GET", "/admin/imports/"):                                     (L, F, F, F, OK),
    ("POST", "/admin/imports/"):                                    (L, F, F, F, 422),
    ("GET", "/admin/imports/<int:import_id>"):                      (L, F, F, F, N),
    ("GET", "/admin/imports/<int:import_id>/progress"):             (L, F, F, F, N),
    ("POST", "/admin/imports/<int:import_id>/<action>"):            (L, F, F, F, N),
}
