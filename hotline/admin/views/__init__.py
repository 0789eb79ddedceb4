"""Pages of the admin capability, one module per section: users and API tokens, absences, routing
rules and groups, SLA targets and the calendar, topics and sister cities. Admins open all of them;
supervisors the absences and routing (SPEC 1)."""
from . import absences, audit, mail_templates, overview, partner_keys, reference, routing, sla, telephony, users  # noqa: F401,E501
