"""Counts of one schemathesis run, from its NDJSON events (scripts/api-fuzz).

Usage: counts.py ROLE EVENTS.ndjson
Prints one line: requests sent, server errors (5xx), schema-valid requests refused
(positive_data_acceptance), invalid requests accepted (negative_data_rejection), wrong answers to
undeclared methods (unsupported_method) and other failed checks; exits 1 when any is not 0 or the
file holds no request.
"""
import collections
import json
import sys

role, path = sys.argv[1], sys.argv[2]
requests = 0
server_errors = 0
failed = collections.Counter()
seen = set()
for line in open(path, encoding="utf-8"):
    event = json.loads(line)
    if "NonFatalError" in event:
        failed["errors (schemathesis could not test an operation)"] += 1
    finished = event.get("ScenarioFinished")
    if not finished:
        continue
    recorder = finished["recorder"]
    for case_id, interaction in recorder.get("interactions", {}).items():
        if case_id in seen:
            continue
        seen.add(case_id)
        response = interaction.get("response") or {}
        requests += 1
        if response.get("status_code", 0) >= 500:
            server_errors += 1
    for case_id, checks in recorder.get("checks", {}).items():
        for check in checks:
            if check["status"] == "failure":
                failed[check["name"]] += 1

refused = failed.pop("positive_data_acceptance", 0)
accepted = failed.pop("negative_data_rejection", 0)
methods = failed.pop("unsupported_method", 0)
failed.pop("not_a_server_error", None)
other = sum(failed.values())
print(f"api-fuzz {role}: {requests} requests, {server_errors} server errors, {refused} schema-valid refused, "
      f"{accepted} invalid accepted, {methods} undeclared methods not 405, {other} other failed checks"
      + (f" ({dict(failed)})" if other else ""))
sys.exit(0 if requests > 0 and server_errors == refused == accepted == methods == other == 0 else 1)
