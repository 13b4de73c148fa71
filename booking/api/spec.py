"""The OpenAPI 3 document, built with ``apispec`` from the routes' ``@documented`` metadata and the
marshmallow schemas (so it cannot drift from the code)."""
from __future__ import annotations

import re
from typing import Any, Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

_OPERATIONS: dict[str, dict[str, Any]] = {}  # endpoint -> OpenAPI operation


def documented(**operation: Any) -> Callable:
    """Attach an OpenAPI operation (summary, parameters, requestBody, responses) to a view function."""

    def attach(view: Callable) -> Callable:
        _OPERATIONS[f"api.{view.__name__}"] = operation
        return view

    return attach


def query(name: str, description: str, schema: dict[str, Any] | None = None, required: bool = False) -> dict:
    return {"in": "query", "name": name, "description": description, "required": required,
            "schema": schema or {"type": "string"}}


def path_param(name: str, description: str) -> dict:
    return {"in": "path", "name": name, "description": description, "required": True, "schema": {"type": "string"}}


def json_response(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def problem_response(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": "Problem"}}}


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.0 document of every documented ``/api`` route."""
    from booking.api import schemas

    spec = APISpec(title="Safnama API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Live load of Iran's e-judicial services offices, recommendations and "
                                        "appointments. Times are ISO 8601 (UTC); errors are RFC 9457 problem "
                                        "details in the request's language (Accept-Language or ?lang=fa|en)."})
    for name in ("Problem", "Service", "Hours", "Load", "Office", "OfficeList", "Slot", "SlotList", "Suggestion",
                 "Recommendation", "GoingRequest", "Going", "OtpRequest", "OtpSent", "BookingRequest", "Appointment",
                 "Rules", "WaitlistRequest", "WaitlistEntry", "Offer", "Ticket", "RemoteJoinRequest", "RemoteTicket",
                 "SmsInbound", "SmsReply"):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))
    for name in ("District", "DistrictList"):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation = _OPERATIONS.get(rule.endpoint)
        if operation is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        methods = sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={method: dict(operation, operationId=rule.endpoint.split(".")[1])
                                         for method in methods})
    return spec.to_dict()
