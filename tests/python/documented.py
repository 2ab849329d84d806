"""Bodies the API documentation shows, copied verbatim from spec/talkover.yaml,
spec/talkturo.yaml and the error shapes of the README ("Errors"). Tests use them as server
answers and as the requests a user would send."""

from __future__ import annotations

import copy
from typing import Any

JSON = dict[str, Any]

# --- POST /api/v1/agents/{agent_id}/call --------------------------------------------------

MAKE_CALL_PATH = "/api/v1/agents/agent_123456/call"

#: requestBody example "full".
MAKE_CALL_REQUEST: JSON = {
    "to": "+1234567890",
    "payload": {"customer_name": "John Doe", "account_id": "ACC123"},
    "context": {"user_id": "user_123", "source": "web_app"},
    "delay_seconds": 0,
    "is_testing": False,
}

MAKE_CALL_200: JSON = {
    "success": True,
    "data": {
        "id": "call_789012",
        "agent_id": "agent_123456",
        "to": "+1234567890",
        "status": "initiated",
        "created_at": "2024-01-15T10:30:00Z",
    },
}

MAKE_CALL_400: JSON = {
    "error": {
        "code": "INVALID_PHONE_NUMBER",
        "message": "Phone number must be in international format (e.g., +1234567890)",
        "details": {"field": "to", "value": "1234567890"},
    }
}
MAKE_CALL_401: JSON = {
    "error": {"code": "INVALID_TOKEN", "message": "Invalid or missing authentication token"}
}
MAKE_CALL_402: JSON = {
    "error": {
        "code": "INSUFFICIENT_CREDITS",
        "message": "Account has insufficient credits to place this call",
    }
}
MAKE_CALL_404: JSON = {
    "error": {
        "code": "AGENT_NOT_FOUND",
        "message": "Voice agent not found",
        "details": {"agent_id": "agent_999999"},
    }
}
MAKE_CALL_429: JSON = {
    "error": {
        "code": "RATE_LIMIT_EXCEEDED",
        "message": "Rate limit exceeded. Please wait before making more requests.",
        "details": {"retry_after": 60},
    }
}

# --- GET /api/v1/calls ----------------------------------------------------------------------

LIST_CALLS_PATH = "/api/v1/calls"

CALL_1: JSON = {
    "id": "call-uuid-1",
    "sid": "call_sid_123",
    "to": "+1234567890",
    "to_formatted": "(123) 456-7890",
    "from": "+0987654321",
    "from_formatted": "(098) 765-4321",
    "is_testing": False,
    "direction": "outbound",
    "status": "completed",
    "duration": 120,
    "agent": {"id": "agent-uuid-1", "name": "Sales Agent", "label": "Sales Agent Label"},
    "created_at": "2024-01-01T00:00:00Z",
    "updated_at": "2024-01-01T00:00:00Z",
}
CALL_2: JSON = {
    "id": "call-uuid-2",
    "sid": "call_sid_456",
    "to": "+1987654321",
    "to_formatted": "(987) 654-3210",
    "from": "+0987654321",
    "from_formatted": "(098) 765-4321",
    "is_testing": False,
    "direction": "inbound",
    "status": "answered",
    "duration": 180,
    "agent": {"id": "agent-uuid-2", "name": "Support Agent", "label": "Support Agent Label"},
    "created_at": "2024-01-01T01:00:00Z",
    "updated_at": "2024-01-01T01:03:00Z",
}

LIST_CALLS_200: JSON = {
    "success": True,
    "data": [CALL_1, CALL_2],
    "pagination": {
        "current_page": 1,
        "last_page": 5,
        "per_page": 20,
        "total": 100,
        "from": 1,
        "to": 20,
    },
}

def calls_page(ids: list[str], current: int, last: int) -> dict[str, Any]:
    """A list-calls body in the documented shape, with one call per id."""
    data = []
    for call_id in ids:
        call = copy.deepcopy(CALL_1)
        call["id"] = call_id
        data.append(call)
    return {
        "success": True,
        "data": data,
        "pagination": {
            "current_page": current,
            "last_page": last,
            "per_page": 2,
            "total": 2 * last,
            "from": 2 * current - 1,
            "to": 2 * current,
        },
    }


LIST_CALLS_401: JSON = {"success": False, "message": "Unauthorized"}
LIST_CALLS_422: JSON = {
    "success": False,
    "message": "The given data was invalid.",
    "errors": {
        "status": ["The selected status is invalid."],
        "direction": ["The selected direction is invalid."],
        "date_from": ["The date from must be a valid date."],
    },
}
LIST_CALLS_500: JSON = {"success": False, "message": "Internal server error."}

# --- POST /api/v1/agents/{agent_id}/actions ---------------------------------------------------

UPSERT_PATH = "/api/v1/agents/agent-uuid/actions"

#: requestBody examples "webhook", "transfer" and "hold".
UPSERT_REQUEST_WEBHOOK: JSON = {
    "node_id": "action-node-456",
    "name": "Schedule Meeting",
    "description": "Schedule a meeting with the customer",
    "type": "webhook",
    "inputs": [
        {"name": "date", "type": "string", "required": True, "description": "Meeting date"},
        {"name": "time", "type": "string", "required": True, "description": "Meeting time"},
    ],
    "integration": {"id": "integration-uuid"},
    "url": "https://api.example.com/schedule",
    "authorization_url": "https://api.example.com/auth",
    "current_status": "active",
}
UPSERT_REQUEST_TRANSFER: JSON = {
    "node_id": "action-node-789",
    "name": "Transfer Call",
    "description": "Transfer the call to a human agent",
    "type": "transfer",
    "inputs": [
        {
            "name": "transfer_to",
            "type": "string",
            "required": True,
            "description": "Transfer to",
            "value": "+1234567890",
        }
    ],
    "transfer_to": "+1234567890",
    "current_status": "active",
}
UPSERT_REQUEST_HOLD: JSON = {
    "node_id": "action-node-101",
    "name": "Put Call on Hold",
    "description": "Put the current call on hold for a specified duration",
    "type": "hold",
    "inputs": [
        {
            "name": "hold_duration",
            "type": "integer",
            "required": True,
            "description": "Hold duration in seconds",
            "value": 30,
        }
    ],
    "hold_duration": 30,
    "current_status": "active",
}

UPSERT_200: JSON = {
    "success": True,
    "message": "Agent action updated successfully",
    "data": {
        "id": "action-uuid-1",
        "name": "Schedule Meeting",
        "label": "Schedule Meeting",
        "description": "Schedule a meeting with the customer",
        "type": "webhook",
        "input_schema": [
            {"name": "date", "type": "string", "required": True, "description": "Meeting date"},
            {"name": "time", "type": "string", "required": True, "description": "Meeting time"},
        ],
        "config": None,
        "action_trigger": None,
        "url": "https://api.example.com/schedule",
        "authorization_url": "https://api.example.com/auth",
        "current_status": "active",
        "created_at": "2024-01-15T10:30:00Z",
        "updated_at": "2024-01-15T12:30:00Z",
    },
}

UPSERT_401: JSON = {"success": False, "message": "Unauthenticated."}
UPSERT_403: JSON = {
    "success": False,
    "message": "You are not authorized to create actions for this agent.",
}
UPSERT_404: JSON = {"success": False, "message": "Agent not found"}
UPSERT_422: JSON = {
    "success": False,
    "message": "The given data was invalid.",
    "errors": {
        "name": ["The name field is required."],
        "type": ["The selected type is invalid."],
        "url": ["The url must be a valid URL."],
        "authorization_url": ["The authorization url must be a valid URL."],
    },
}
UPSERT_500: JSON = {"success": False, "message": "Internal server error."}

# --- GET /api/v1/health -----------------------------------------------------------------------

HEALTH_PATH = "/api/v1/health"

HEALTH_401_UNAUTHORIZED: JSON = {
    "error": "UNAUTHORIZED",
    "message": "Invalid or missing authentication token",
    "status_code": 401,
}
HEALTH_401_EXPIRED: JSON = {
    "error": "TOKEN_EXPIRED",
    "message": "Authentication token has expired",
    "status_code": 401,
}
HEALTH_401_MISSING: JSON = {
    "error": "MISSING_TOKEN",
    "message": "Authorization header is required",
    "status_code": 401,
}

# --- Talkturo ---------------------------------------------------------------------------------

ASSISTANTS_PATH = "/api/assistants"

#: requestBody example "fromTemplate".
CREATE_ASSISTANT_REQUEST: JSON = {
    "accountSlug": "my-team",
    "name": "Q1 Outbound Setter",
    "templateId": "outbound-setter",
}

ASSISTANT_200: JSON = {
    "success": True,
    "assistant": {
        "id": "asst_01j...",
        "account_id": "acct_...",
        "name": "Q1 Outbound Setter",
        "type": "outbound-setter",
        "model": "gpt-4o-mini",
        "provider": "openai",
        "temperature": 0.7,
        "max_tokens": 1024,
        "first_message": "Hi, this is Alex from Talkturo...",
        "system_prompt": "You are a friendly outbound sales assistant...",
        "voice_provider": "cartesia",
    },
}

TT_401: JSON = {"error": "Unauthorized"}
TT_403: JSON = {"error": "Forbidden"}

# --- Error bodies the README's "Errors" names but documented outside the specs ----------------

#: ``{"success": false, "error": {"code", ...}}`` (introduction page).
INTRODUCTION_ERROR: JSON = {
    "success": False,
    "error": {
        "code": "INVALID_API_KEY",
        "message": "The provided API key is invalid",
        "details": {},
    },
}
#: ``{"success": false, "message", "code"}``.
FLAT_ERROR_WITH_CODE: JSON = {"success": False, "message": "Trunk has DIDs", "code": "TRUNK_HAS_DIDS"}
#: ``{"message", "errors": {field: [..]}}`` without ``success``.
VALIDATION_ERROR_BARE: JSON = {
    "message": "The given data was invalid.",
    "errors": {"to": ["The to field is required."]},
}
#: ``{"message": "Missing Bearer Token"}``.
MISSING_BEARER: JSON = {"message": "Missing Bearer Token"}
#: ``{"error": "Failed to ..."}``.
FAILED_TO: JSON = {"error": "Failed to create assistant"}
#: ``{"success": false, "data": {"error"}}`` (no message).
DATA_ERROR: JSON = {
    "success": False,
    "data": {"is_verified": False, "error": "Authentication failed (401)"},
}
#: ``{"success": false, "message", "data": {"error"}}``.
DATA_ERROR_WITH_MESSAGE: JSON = {
    "success": False,
    "message": "SFTP connection failed",
    "data": {"error": "Authentication failed"},
}

HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
