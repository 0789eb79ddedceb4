"""The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`."""
from __future__ import annotations

from flask import jsonify

from . import bp

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict:
    return {str(code): {"description": "error", "content": {"application/json": {"schema": ERROR}}}
            for code in codes}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Зелёная линия API", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
            },
            "CallIn": {
                "type": "object",
                "required": ["topic", "outcome"],
                "properties": {
                    "caller": {"type": "object", "properties": {
                        "name": {"type": "string"}, "phone": {"type": "string"},
                        "email": {"type": "string"}, "language": {"enum": ["ru", "en"]},
                        "consent": {"type": "boolean"}}},
                    "channel": {"enum": ["phone", "email", "walk-in", "web", "partner-api"]},
                    "topic": {"type": "string"}, "city": {"type": "string"},
                    "question": {"type": "string", "maxLength": 10000},
                    "outcome": {"enum": ["answered", "routed", "info", "dropped"]},
                    "faq_ids": {"type": "array", "items": {"type": "integer"}},
                    "answer": {"type": "string"},
                    "started_at": {"type": "string", "format": "date-time"},
                    "cti_call_id": {"type": "string", "maxLength": 250,
                                    "description": "the phone system's callId: started/ended come from its answer and hang-up"},
                    "ended_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/calls": {"post": {
            "summary": "Log a call; a routed call creates an enquiry",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/CallIn"}}}},
            "responses": {"201": {"description": "the call, with its enquiry when routed"},
                          **_errors(400, 401, 403, 422)}}},
        "/calls/{id}": {"get": {
            "summary": "One call",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "the call"}, **_errors(401, 403, 404)}}},
        "/callers": {"get": {
            "summary": "A caller's history by phone",
            "parameters": [{"name": "phone", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "callers with calls and open enquiries"},
                          **_errors(401, 403, 422)}}},
        "/enquiries": {"get": {
            "summary": "Enquiries the caller of the API may see (a coordinator: own and group's; an operator: "
                       "those they logged)",
            "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                           for n in ("status", "assignee", "topic")],
            "responses": {"200": {"description": "enquiries ordered by due time"}, **_errors(401, 403, 422)}}},
        "/enquiries/{id}": {"get": {
            "summary": "One enquiry with its trail; {id} is the number or the reference (ЗЛ-… or ZL-…)",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the enquiry"}, **_errors(401, 403, 404)}}},
        "/enquiries/{id}/answer": {"post": {
            "summary": "Answer (the assignee or a supervisor)",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["text"],
                "properties": {"text": {"type": "string"}, "faq_ids": {"type": "array", "items": {"type": "integer"}}}}}}},
            "responses": {"200": {"description": "the answered enquiry"}, **_errors(400, 401, 403, 404, 409, 422)}}},
        "/enquiries/{id}/reassign": {"post": {
            "summary": "Hand over to another coordinator (the assignee or a supervisor)",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["to", "reason"],
                "properties": {"to": {"type": "string"}, "reason": {"type": "string"}}}}}},
            "responses": {"200": {"description": "the enquiry"}, **_errors(400, 401, 403, 404, 409, 422)}}},
        "/stats": {"get": {
            "summary": "Every statistics figure of SPEC 7 for a period (Perm local dates, `to` exclusive)",
            "parameters": [
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "period", "in": "query",
                 "schema": {"enum": ["today", "7d", "30d", "quarter", "year"]}},
                *({"name": name, "in": "query", "schema": {"type": "string"}}
                  for name in ("topic", "city", "channel", "operator", "coordinator")),
            ],
            "responses": {"200": {"description": "the figures, with the period and filters echoed"},
                          **_errors(400, 401, 403, 422)}}},
        "/faq": {
            "get": {
                "summary": "FAQ entries ranked for a question (Russian morphology, typos), with score and highlight",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "topic", "in": "query", "schema": {"type": "string"}},
                    {"name": "lang", "in": "query", "schema": {"enum": ["ru", "en"]}},
                    {"name": "status", "in": "query", "description": "editors only; default published",
                     "schema": {"enum": ["draft", "published", "retired", "all"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}}],
                "responses": {"200": {"description": "{query, results: [entry + score, relevance, highlight]}"},
                              **_errors(401, 403, 422)}},
            "post": {
                "summary": "Create an FAQ entry (supervisor)",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/FaqIn"}}}},
                "responses": {"201": {"description": "the entry"}, **_errors(400, 401, 403, 422)}}},
        "/faq/{id}": {
            "get": {
                "summary": "One FAQ entry",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "the entry"}, **_errors(401, 403, 404)}},
            "patch": {
                "summary": "Change an FAQ entry, its status included (supervisor); records a revision",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/FaqIn"}}}},
                "responses": {"200": {"description": "the entry"}, **_errors(400, 401, 403, 404, 409, 422)}}},
        "/faq/{id}/use": {"post": {
            "summary": "Record a use of a published entry, for a call or an enquiry",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                "call_id": {"type": "integer"}, "enquiry_id": {"type": "integer"}}}}}},
            "responses": {"201": {"description": "the use, with the entry's use_count"},
                          **_errors(400, 401, 403, 404, 409, 422)}}},
        "/health": {"get": {"summary": "Database and Redis reachable, queue length",
                            "security": [],
                            "responses": {"200": {"description": "healthy"},
                                          "503": {"description": "degraded"}}}},
    },
}


SPEC["components"]["schemas"]["FaqIn"] = {
    "type": "object",
    "required": ["question", "answer", "topic"],
    "properties": {
        "question": {"type": "string", "maxLength": 500},
        "answer": {"type": "string", "maxLength": 5000, "description": "plain text; HTML is stripped"},
        "topic": {"type": "string"}, "city": {"type": ["string", "null"]},
        "language": {"enum": ["ru", "en"]},
        "status": {"enum": ["draft", "published", "retired"]},
        "wordings": {"type": "array", "items": {"type": "string", "maxLength": 300}},
    },
}

SPEC["paths"].update({
    "/telephony/calls": {"get": {
        "summary": "Calls as the phone system reported them (supervisors see numbers masked)",
        "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("from", "to", "missed")],
        "responses": {"200": {"description": "{period, calls: [...]}"}, **_errors(400, 401, 403, 422)}}},
    "/telephony/active": {"get": {
        "summary": "The call the phone system says this operator is on now, with the caller card",
        "responses": {"200": {"description": "{call, caller} or {call: null}"}, **_errors(401, 403)}}},
    "/enquiries/{id}/attachments": {"post": {
        "summary": "Attach a file to an enquiry one may see (PDF, images, office documents, plain text; "
                   "the type is read from the bytes)",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}},
        "responses": {"201": {"description": "{id, name, type, size}"}, **_errors(401, 403, 404, 413, 422)}}},
    "/attachments/{id}": {"get": {
        "summary": "Download an attachment (only for those who may see its enquiry)",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "the file, as Content-Disposition: attachment"},
                      **_errors(401, 403, 404)}}},
})


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)
