"""Schemathesis against the served app (a real HTTP server on a free port): the coverage and fuzzing phases on
every operation of the document (and examples where it has some), and the stateful phase following its links,
all with the tenant's real key; path ids that the generator made valid are swapped for real ids of the tenant
(``seed``), so the calls reach the use cases.

Every check runs but positive_data_acceptance (see ``_config``): no server error, status codes, content types,
headers and bodies as documented, negative data rejected, authentication enforced. Bounded by
``MAX_EXAMPLES`` and ``MAX_STEPS``: about 1 900 requests, two minutes on SQLite, 1.5 on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

import pytest
import schemathesis
import schemathesis.engine
from schemathesis.engine import Status, events
from werkzeug.serving import make_server

from notice_service.app import create_app
from notice_service.services import Services
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.api.seed import fixture_rates, seed
from tests.functional.conftest import CREDITOR_PROFILE, Api

MAX_EXAMPLES = 12
# Hypothesis warns when it builds a large example's repr (its own cost, not the server's behaviour); with the
# fixed seed, any change to the document can shift generation onto one (a 69 kB dossier body did).
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")
MAX_STEPS = 6


class Served:
    """The app, its tenant's key and real ids."""

    def __init__(self, services: Services) -> None:
        self.app = create_app(services=services)
        fixture_rates(services)
        created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
        self.headers = {"Authorization": f"Bearer {created.api_key}"}
        self.ids = seed(Api(self.app.test_client(), created.api_key))

    def real_ids(self, context: Any, path_parameters: dict[str, Any]) -> dict[str, Any]:
        """Swap each well-formed generated path id for the tenant's real id of that name (a hook)."""
        return {
            name: self.ids[name] if name in self.ids and _is_uuid(value) else value
            for name, value in (path_parameters or {}).items()
        }


def _is_uuid(value: Any) -> bool:
    """Whether the generator produced a well-formed UUID (a positive case) rather than a malformed id."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _config(served: Served, base_url: str) -> schemathesis.Config:
    """Every phase and check, the tenant's key, a fixed seed, bounded examples and steps."""
    return schemathesis.Config.from_dict(
        {
            "seed": 20261120,
            "base-url": base_url,
            "headers": served.headers,
            "workers": 1,
            "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": MAX_STEPS},
            },
            # every check but positive_data_acceptance: business rules the schema cannot carry (a SIREN's check
            # digit, an id that exists, a due date after the issue date) answer a documented 422
            "checks": {"enabled": True, "positive_data_acceptance": {"enabled": False}},
        }
    )


def _tally(recorder: Any, statuses: Counter[int], failed_checks: list[str]) -> None:
    """Count the scenario's answers by status and keep the name of every failed check."""
    for interaction in recorder.interactions.values():
        if interaction.response is not None:
            statuses[interaction.response.status_code] += 1
    for checks in recorder.checks.values():
        for check in checks:
            if check.status == Status.FAILURE:
                failed_checks.append(f"{recorder.label}: {check.name} {check.failure_info}"[:600])


def _report(failures: list[Any], errors: list[str]) -> str:
    """One line per distinct failure or engine error."""
    lines = sorted({f"{f.operation}: {f.title}: {f.message}"[:600] for f in failures})
    return "\n".join([*lines, *errors])


def test_the_served_app_keeps_its_document(services: Services) -> None:
    served = Served(services)
    server = make_server("127.0.0.1", 0, served.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _run(served, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()


def _run(served: Served, base_url: str) -> None:
    """Run every phase against the server at ``base_url`` and assert nothing failed."""
    schema = schemathesis.openapi.from_url(f"{base_url}/v1/openapi.json", config=_config(served, base_url))

    def map_path_parameters(context: Any, path_parameters: dict[str, Any]) -> dict[str, Any]:
        return served.real_ids(context, path_parameters)

    schema.hook(map_path_parameters)
    errors: list[str] = []
    failures: list[Any] = []
    phases: set[str] = set()
    statuses: Counter[int] = Counter()
    failed_checks: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(f"engine error: {getattr(event, 'label', '')} {getattr(event, 'value', event)!r}")
        if isinstance(event, events.PhaseFinished):
            phases.add(f"{event.phase.name.value}:{event.status.value}")
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            _tally(event.recorder, statuses, failed_checks)
        if isinstance(event, events.EngineFinished):
            failures = list(event.failures)
    print(f"schemathesis: {sum(statuses.values())} requests, by status {dict(sorted(statuses.items()))}")
    assert not failures and not errors and not failed_checks, _report(failures, errors) + "\n".join(failed_checks)
    print(f"schemathesis phases: {sorted(phases)}")
    ran = {p.split(":")[0] for p in phases if not p.endswith(":skip")}
    assert ran >= {"coverage", "fuzzing", "stateful"}, phases  # examples runs only on documented examples
