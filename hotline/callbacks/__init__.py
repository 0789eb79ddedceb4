"""Call-back tasks (SPEC 3, 12): the operators' *Call-backs* list — answers to read out by phone
and, from telephony, missed calls — with one click per attempt result. The blueprint is in
views.py, so that importing the verbs (service.py) does not load the pages."""
