"""The OpenAPI 3 description of the JSON API, served at ``/api/openapi.json``."""
from __future__ import annotations

from ..ask import MAX_QUESTION_CHARS

MAX_GET_HISTORY = 5

_ERROR = {"description": "Ungültige Anfrage", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}
# A body larger than the server's hard limit is refused before the app sees it: plain text.
_TOO_LARGE = {"description": "Anfrage zu groß", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
    "text/plain": {"schema": {"type": "string"}}}}
_ANSWER = {"description": "Antwort mit gerankten Passagen", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Answer"}}}}

OPENAPI = {
    "openapi": "3.0.3",
    "info": {
        "title": "faqbot API",
        "version": "1.0.0",
        "description": "Answers questions about the Bürgergeld (SGB II) with ranked passages "
                       "from editor-approved content, each with its source and Stand date.",
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
                ],
                "responses": {"200": _ANSWER, "400": _ERROR, "413": _TOO_LARGE, "429": _ERROR,
                              "431": {"description": "Anfrage-URL zu lang"}, "503": _ERROR},
            },
            "post": {
                "summary": "Ask a question, with the chat's earlier questions",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Question"}}}},
                "responses": {"200": _ANSWER, "400": _ERROR, "413": _TOO_LARGE, "429": _ERROR,
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
            },
        },
        "Passage": {
            "type": "object",
            "required": ["id", "kind", "title", "passage", "url", "source", "stand", "score"],
            "properties": {
                "id": {"type": "string"},
                "kind": {"type": "string", "enum": ["faq", "glossary", "interview"]},
                "title": {"type": "string"},
                "passage": {"type": "string"},
                "url": {"type": "string"},
                "source": {"type": "string"},
                "stand": {"type": "string", "format": "date"},
                "score": {"type": "number"},
            },
        },
        "Suggestion": {"type": "object", "required": ["id", "title", "url"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"}}},
        "Answer": {
            "type": "object",
            "required": ["question", "answered", "confidence", "answers", "suggestions", "referral"],
            "properties": {
                "question": {"type": "string"},
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
