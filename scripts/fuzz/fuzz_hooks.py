"""Schemathesis hooks for scripts/api-fuzz.

JSON Schema states every rule of the admin API's request bodies but two kinds: an order between two
fields (a template's valid_end after its valid_start, an activity's end_time after its start_time)
and a reference to a row that must exist (an activity's template_id); nor two rules between query
parameters of GET /api/v1/audit (target_id only with target_type, from before to). The server
refuses a request breaking them with 400 naming the field; a generated *positive* body or query is
adjusted here to keep them, so "valid by the schema but refused" stays a finding. Negative ones are
left as generated.
"""
import os
from datetime import datetime, timedelta

import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

TEMPLATE_ID = int(os.environ.get("FUZZ_TEMPLATE_ID", "1"))


def _instant(value):
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _order(body, start_key, end_key):
    start, end = _instant(body.get(start_key)), _instant(body.get(end_key))
    if start is not None and end is not None and end <= start:
        later = start + timedelta(days=1)
        if later.year <= 9998:  # the last year the instants' pattern allows
            body[end_key] = later.isoformat()
        else:
            body[start_key] = (end - timedelta(days=1)).isoformat()


def _audit_query(case):
    query = case.query
    component = case.meta.components.get(ParameterLocation.QUERY)
    if not isinstance(query, dict) or component is None or component.mode != GenerationMode.POSITIVE:
        return
    if "target_id" in query and "target_type" not in query:
        query["target_type"] = "activity"
    start, end = _instant(query.get("from")), _instant(query.get("to"))
    if start is not None and end is not None and end <= start:
        query["from"], query["to"] = query["to"], query["from"]
        if end == start:
            del query["to"]


@schemathesis.hook
def map_case(ctx, case):
    body = case.body
    meta = case.meta
    if meta is None:
        return case
    if case.operation.path == "/api/v1/audit":
        _audit_query(case)
        return case
    if not isinstance(body, dict):
        return case
    component = meta.components.get(ParameterLocation.BODY)
    if component is None or component.mode != GenerationMode.POSITIVE:
        return case
    path = case.operation.path
    if path in ("/api/v1/templates", "/api/v1/templates/{id}"):
        _order(body, "valid_start", "valid_end")
    elif path == "/api/v1/activities":
        _order(body, "start_time", "end_time")
        if isinstance(body.get("template_id"), int):
            body["template_id"] = TEMPLATE_ID
    return case
