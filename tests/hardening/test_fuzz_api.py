"""Schemathesis against ``/api/openapi.json``: no 5xx and no answer that breaks the documented schema.

Every operation of the API gets a bounded number of generated requests (valid and invalid), on a database
with a real office, so that office codes in paths and bodies sometimes exist.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from booking.extensions import db

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 30


def test_api_answers_within_its_schema(app, make_office):
    office = make_office(code="000001")
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    tried, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001 (collect every operation's failure, then report them all)
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
        tried += 1
    assert tried >= 9 and office.code
    assert not failures, "\n\n".join(failures)
