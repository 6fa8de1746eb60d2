"""GraphQL over HTTP: the `graphql-http` package's own audit (`e2e/audit.mjs`) against our `POST /graphql`.

Every MUST and every SHOULD it checks holds: no error, no warning, no notice. The audit covers both media
types: `application/json` (200 for every well-formed request) and `application/graphql-response+json`
(its content type, 400 and no `data` when a request fails before execution).
"""

from __future__ import annotations

import re

from tests.backends import unavailable
from tests.e2e import processes
from tests.harness import RunningServer


async def test_the_graphql_over_http_audit_passes_with_no_error_no_warning_and_no_notice(
    server: RunningServer,
) -> None:
    try:
        processes.node()
    except FileNotFoundError as error:
        unavailable("Node.js e2e packages", error)
    code, out = await processes.run("audit.mjs", f"--url={server.base_url}/graphql")
    summary = re.search(r"AUDIT (\d+) ok, (\d+) notices, (\d+) warnings, (\d+) errors", out)
    assert summary is not None, out
    ok, notices, warnings, errors = map(int, summary.groups())
    assert (notices, warnings, errors) == (0, 0, 0), out
    assert ok >= 61 and code == 0, out  # graphql-http 1.23.1 runs 61 audits
