"""Schemathesis against the app's own OpenAPI schema: no 500s, no response outside its schema.

Stateless: every operation with generated valid and invalid input (a bounded number of examples).
Stateful: schemathesis' state machine over the links it infers from the schema (issue a ticket →
GET/act on /api/tickets/{ticket_id} …), same checks, every scenario from the same seeded station.
Run against a simulated station (so /api/sim is in the schema; with no devices it answers 404) with
logins off, so the fuzzer reaches every handler; the login layer has its own table-driven test
(test_authorization.py). GET /api/events is excluded: it is an endless SSE stream.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from station.app import Station
from station.clock import ManualClock
from station.services.auth import cheap_hasher
from tests.conftest import make_settings
from web.app import create_app

EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))


class FuzzTarget:
    """The station under fuzzing, seeded with something to find, and a way back to that seed.

    Every state-machine scenario starts from the seed (`reset`): a scenario's calls change the station (tickets
    issued and called, category cut-offs and counters set by PUT /api/admin/…, calendar days, cases), and
    hypothesis replays choice prefixes expecting the same answers. Carried-over state answers differently (a
    404 becomes a 200, a bundle stays empty), which hypothesis reports as FlakyStrategyDefinition. A fresh
    Station over a copy of the seeded database costs a few tens of milliseconds.
    """

    def __init__(self, tmp_path: Path, clock: ManualClock) -> None:
        self._seed = tmp_path / "seed"
        self._live = tmp_path / "live"
        self._clock = clock
        st = self._start(self._seed)
        for cat in "ABCD":  # something to find
            st.queue.issue(cat)
        st.queue.call_next(1)
        st.stop()  # the spooler has recorded its print outcomes; the database file is closed
        self.station = self._start_copy()
        self.app = create_app(self.station, manage_lifecycle=False)

    def _start(self, root: Path) -> Station:
        st = Station(make_settings(root), clock=self._clock, with_devices=False, simulate=True)
        st.settings.security.ticket_rate_per_minute = 0  # a replayed example must meet the same answers, not a 429
        st.auth.hasher = cheap_hasher()
        st.start()
        return st

    def _start_copy(self) -> Station:
        live = self._live / "data"
        live.mkdir(parents=True, exist_ok=True)
        for f in live.iterdir():  # the last scenario's database (the station has stopped: closed, no WAL left)
            f.unlink()
        for f in (self._seed / "data").iterdir():
            shutil.copyfile(f, live / f.name)
        return self._start(self._live)

    def reset(self) -> None:
        """Back to the seed: a new Station (settings, calendar, services) over a fresh copy of the seeded database."""
        self.station.stop()
        self.station = self._start_copy()
        self.app.state.station = self.station  # routes reach the station through app.state (web/deps.py)

    def stop(self) -> None:
        self.station.stop()


@pytest.fixture
def fuzz_target(tmp_path: Path, clock: ManualClock) -> Iterator[FuzzTarget]:
    target = FuzzTarget(tmp_path, clock)
    yield target
    target.stop()


@pytest.fixture
def fuzz_schema(fuzz_target: FuzzTarget) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_target.app).exclude(path="/api/events")


def describe(case: Any, exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    body = "" if type(case.body).__name__ == "NotSet" else f" body={case.body!r:.120}"
    return f"{case.operation.label} path={case.path_parameters} query={case.query}{body}: {text[:500]}"


def fuzz(op: Any, mode: GenerationMode, failures: list[str]) -> None:
    # invalid input: only "no 500"; its 422 is the app's own error shape
    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]

    @FUZZ_SETTINGS
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(checks=checks)
        except (AssertionError, FailureGroup) as e:
            failures.append(describe(case, e))

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (no parameters, no body)


def distinct(failures: list[str]) -> list[str]:
    """One example per operation and kind of failure (a fuzzer finds the same thing many times)."""
    seen: dict[tuple[str, str, str], str] = {}
    for f in failures:
        op = " ".join(f.split(" ", 2)[:2])
        code = re.search(r"ST\d+|Server error|500", f)
        status = re.search(r"status code (\d+)", f)
        seen.setdefault((op, code.group(0) if code else "", status.group(1) if status else ""), f)
    return sorted(seen.values())


@pytest.mark.timeout(420)  # every operation in both modes; issues 14 and 15 added some 50 operations
def test_stateless_no_server_errors_no_schema_violations(fuzz_schema: Any) -> None:
    failures: list[str] = []
    operations = [r.ok() for r in fuzz_schema.get_all_operations()]
    assert len(operations) >= 25
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    covered = 0
    for op in operations:
        for mode in modes:
            fuzz(op, mode, failures)
        # schemathesis' coverage phase: deterministic edge cases (wrong types, empty, missing, null …)
        for case in fuzz_schema.iter_coverage_cases(op, generation_modes=modes,
                                                    generation_config=fuzz_schema.config.generation_for(operation=op)):
            covered += 1
            try:
                case.call_and_validate(checks=[not_a_server_error])
            except (AssertionError, FailureGroup) as e:
                failures.append(describe(case, e))
    assert covered > 300
    assert not failures, "\n".join(distinct(failures))


def test_stateful_links(fuzz_schema: Any, fuzz_target: FuzzTarget) -> None:
    """Sequences over the links schemathesis infers (POST /api/tickets → /api/tickets/{ticket_id}/…).

    Each scenario starts from the seeded station (see FuzzTarget), so the same choices meet the same answers.
    """
    base = fuzz_schema.as_state_machine()
    transitions = fuzz_schema.statistic.transitions
    assert transitions.total > 0, "schemathesis inferred no links: the stateful phase would test nothing"

    calls: list[str] = []

    class Machine(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:  # schemathesis' hook at the start of every scenario
            super().setup()
            fuzz_target.reset()

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            calls.append(f"{case.operation.label} {response.status_code}")

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kw: Any) -> None:
            # no positive_data_acceptance: "transfer needs a category or a counter" is a rule, not a schema
            case.validate_response(response, checks=CHECKS)

    # No shrinking: now that a replayed scenario meets the same station it really shrinks, replaying hundreds of
    # scenarios for minutes (hypothesis stops at 5) — past the suite's 120 s timeout. A failure is reported as
    # generated: at most 8 steps, each printed.
    Machine.run(settings=settings(max_examples=40, stateful_step_count=8, deadline=None, database=None,
                                  derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
    # Which linked steps the exploration reaches varies with the process (hypothesis also draws constants from the
    # modules earlier tests imported), so only the volume is asserted; every call was checked above.
    assert len(calls) > 60, f"{len(calls)} calls"


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _is_int(spec: dict[str, Any], node: dict[str, Any]) -> bool:
    """An integer, or an optional one (anyOf integer/null)."""
    return "integer" in {_resolve(spec, x).get("type") for x in [node, *node.get("anyOf", [])]}


@pytest.mark.parametrize("big", [2**31, 2**63, 2**70])
def test_out_of_range_integers_are_not_server_errors(tmp_path: Path, database_url: str, clock: ManualClock,
                                                      big: int) -> None:
    """Every integer the schema takes (path, query, JSON body), far beyond the database's column types:
    a 4xx, never a driver overflow (found by fuzzing: GET /api/tickets/{huge} was a 500)."""
    st = Station(make_settings(tmp_path, database_url), clock=clock, with_devices=False, simulate=True)
    st.start()
    try:
        app = create_app(st, manage_lifecycle=False)
        spec = app.openapi()
        c = TestClient(app, raise_server_exceptions=False)
        problems = []
        for path, item in spec["paths"].items():
            if path == "/api/events":
                continue
            for method, op in item.items():
                params = op.get("parameters", [])
                ints = [p for p in params if _is_int(spec, p.get("schema", {}))]
                body_schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                               .get("schema"))
                props = _resolve(spec, body_schema).get("properties", {}) if body_schema else {}
                int_props = [k for k, v in props.items() if _is_int(spec, v)]
                if not ints and not int_props:
                    continue
                int_names = {p["name"] for p in ints}
                url = re.sub(r"\{(\w+)\}", lambda m, n=int_names: str(big) if m.group(1) in n else "1", path)
                query = {p["name"]: big for p in ints if p["in"] == "query"}
                body = {k: big for k in int_props} if body_schema else None
                r = c.request(method.upper(), url, params=query, json=body)
                if r.status_code >= 500:
                    problems.append(f"{method.upper()} {url} {query} {body}: {r.status_code}")
        assert not problems, "\n".join(problems)
    finally:
        st.stop()
