"""The OpenAPI 3 description of the JSON API, served at ``/api/openapi.json``."""
from __future__ import annotations

from ..ask import MAX_QUESTION_CHARS

MAX_GET_HISTORY = 5

_ERROR = {"description": "Ungültige Anfrage", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}
# A body larger than MAX_BODY_BYTES; past the server's own, far higher limit waitress refuses
# it before the app sees it, also in JSON (faqbot.server).
_TOO_LARGE = {"description": "Anfrage zu groß", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ANSWER = {"description": "Antwort mit gerankten Passagen", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Answer"}}}}

_DATE_HELP = ("Answer as of this day (YYYY-MM-DD): the content versions in force on it. "
              "Default: today. A malformed date is a 400.")

OPENAPI = {
    "openapi": "3.0.3",
    "info": {
        "title": "faqbot API",
        "version": "1.0.0",
        "description": "Answers questions about the Grundsicherungsgeld (SGB II, until June 2026 "
                       "Bürgergeld) with ranked passages from editor-approved content, each with "
                       "its source, its Stand date and the period it applies to.",
    },
    "paths": {
        "/api/ask": {
            "get": {
                "summary": "Ask a question",
                "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "schema": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS,
                                "pattern": "\\S"}},
                    {"name": "history", "in": "query", "required": False,
                     "description": "Earlier questions of the chat (at most 5 here; POST takes more).",
                     "schema": {"type": "array", "maxItems": MAX_GET_HISTORY,
                                "items": {"type": "string", "maxLength": MAX_QUESTION_CHARS}},
                     "style": "form", "explode": True},
                    {"name": "date", "in": "query", "required": False,
                     "description": _DATE_HELP,
                     "schema": {"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}},
                ],
                "responses": {"200": _ANSWER, "400": _ERROR, "413": _TOO_LARGE,
                              "414": {"description": "Anfrage-URL zu lang (über 8 KiB)", "content": {
                                  "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                              "429": _ERROR,
                              "431": {"description": "Kopfzeilen zu groß (über 32 KiB)", "content": {
                                  "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                              "503": _ERROR},
            },
            "post": {
                "summary": "Ask a question, with the chat's earlier questions",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Question"}}}},
                "responses": {"200": _ANSWER, "400": _ERROR, "413": _TOO_LARGE, "429": _ERROR,
                              "431": {"description": "Kopfzeilen zu groß (über 32 KiB)", "content": {
                                  "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                              "503": _ERROR},
            },
        },
    },
    "components": {"schemas": {
        "Question": {
            "type": "object", "required": ["question"], "additionalProperties": False,
            "properties": {
                "question": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS,
                             "pattern": "\\S"},
                "history": {"type": "array", "maxItems": 50,
                            "items": {"type": "string", "maxLength": MAX_QUESTION_CHARS}},
                "date": {"type": "string", "format": "date", "description": _DATE_HELP,
                         "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
            },
        },
        "Passage": {
            "type": "object",
            "required": ["id", "kind", "title", "passage", "url", "source", "stand", "valid_from",
                         "valid_until", "score", "easy", "other_version"],
            "properties": {
                "id": {"type": "string"},
                "kind": {"type": "string", "enum": ["faq", "glossary", "interview"]},
                "title": {"type": "string"},
                "passage": {"type": "string"},
                "url": {"type": "string"},
                "source": {"type": "string"},
                "stand": {"type": "string", "format": "date"},
                "valid_from": {"type": "string", "format": "date", "nullable": True,
                               "description": "First day this version applies; null: no start."},
                "valid_until": {"type": "string", "format": "date", "nullable": True,
                                "description": "Last day this version applies; null: open-ended."},
                "score": {"type": "number"},
                "easy": {"type": "string", "nullable": True,
                         "description": "The item in easy language (Leichte Sprache), if it has one."},
                "other_version": {"$ref": "#/components/schemas/Version"},
            },
        },
        "Version": {
            "type": "object", "nullable": True,
            "description": "Another version of the passage, shown after it: the one that comes "
                           "into force within 60 days (or by the future time the question names), "
                           "or today's version when the question asked about the past.",
            "required": ["title", "passage", "stand", "source", "valid_from", "valid_until", "easy"],
            "properties": {
                "title": {"type": "string"}, "passage": {"type": "string"},
                "stand": {"type": "string", "format": "date"}, "source": {"type": "string"},
                "valid_from": {"type": "string", "format": "date", "nullable": True},
                "valid_until": {"type": "string", "format": "date", "nullable": True},
                "easy": {"type": "string", "nullable": True},
            },
        },
        "Suggestion": {"type": "object", "required": ["id", "title", "url"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"}}},
        "Answer": {
            "type": "object",
            "required": ["question", "answered", "confidence", "answers", "suggestions", "referral"],
            "properties": {
                "question": {"type": "string"},
                "date": {"type": "string", "format": "date", "nullable": True,
                         "description": "The day the question was answered as of."},
                "answered_as_of": {"type": "string", "format": "date", "nullable": True,
                                   "description": "The day whose rules answer it: earlier than "
                                                  "'date' when the question asks about the past."},
                "answered": {"type": "boolean"},
                "confidence": {"type": "number"},
                "answers": {"type": "array", "items": {"$ref": "#/components/schemas/Passage"}},
                "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/Suggestion"}},
                "referral": {"$ref": "#/components/schemas/Referral"},
            },
        },
        "Referral": {
            "type": "object", "nullable": True,
            "description": "Who answers a question outside the content (null otherwise).",
            "required": ["topic", "where", "url"],
            "properties": {"topic": {"type": "string"}, "where": {"type": "string"},
                           "url": {"type": "string", "nullable": True}},
        },
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}}},
    }},
}
