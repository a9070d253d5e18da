"""Kubernetes API errors as the demo cluster returns them: ``Status`` objects with code, reason and message.

kubectl prints ``Error from server (Reason): message`` from these, so the wording follows the real API server.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: HTTP ``code``, ``reason`` (NotFound, Conflict, ...) and a human ``message``."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def not_found(qualified: str, name: str) -> ApiError:
    plural, _, group = qualified.partition(".")
    return ApiError(404, "NotFound", f'{qualified} "{name}" not found',
                    {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural})


def already_exists(qualified: str, name: str) -> ApiError:
    plural, _, group = qualified.partition(".")
    return ApiError(409, "AlreadyExists", f'{qualified} "{name}" already exists',
                    {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural})


def conflict(qualified: str, name: str) -> ApiError:
    plural, _, group = qualified.partition(".")
    return ApiError(
        409, "Conflict",
        f'Operation cannot be fulfilled on {qualified} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural})


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, Any, str]]) -> ApiError:
    """422 Invalid. ``causes`` holds (field, bad value, what is wrong)."""
    import json

    parts = []
    detail_causes = []
    for fld, value, why in causes:
        if value is None:
            parts.append(f"{fld}: Required value" + (f": {why}" if why else ""))
            detail_causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": fld})
        else:
            shown = json.dumps(value) if isinstance(value, str | int | float) else json.dumps(value, default=str)
            parts.append(f"{fld}: Invalid value: {shown}: {why}")
            detail_causes.append({"reason": "FieldValueInvalid", "message": f"Invalid value: {shown}: {why}",
                                  "field": fld})
    qual = f"{kind}.{group}" if group else kind
    joined = ", ".join(parts)
    msg = f'{qual} "{name}" is invalid: ' + (f"[{joined}]" if len(parts) > 1 else joined)
    return ApiError(422, "Invalid", msg, {"name": name, "group": group, "kind": kind, "causes": detail_causes})


def gone(message: str = "too old resource version") -> ApiError:
    return ApiError(410, "Expired", message)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def forbidden(user: str, verb: str, resource: str, group: str, namespace: str | None,
              name: str | None = None, subresource: str = "") -> ApiError:
    res = f"{resource}/{subresource}" if subresource else resource
    target = f'{resource} "{name}"' if name else resource
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    msg = (f'{target} is forbidden: User "{user}" cannot {verb} resource "{res}" '
           f'in API group "{group}"{where}')
    details = {"kind": resource}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    return ApiError(403, "Forbidden", msg, details)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")
