"""Call-back tasks (SPEC 3, 12): the operators' *Call-backs* list — answers to read out by phone
and, from telephony, missed calls — with one click per attempt result."""
from flask import Blueprint

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")

from . import views  # noqa: E402,F401
