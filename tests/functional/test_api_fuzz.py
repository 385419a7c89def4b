"""Hostile input (issue 9): a property-based API tester (schemathesis) sends generated
requests, valid and invalid, to every operation of the OpenAPI document, against a workshop
with demo data, as an admin and as an operator. It must find no server error and no answer
the document does not allow (status, content type, body); a refused request must change
nothing at all; and afterwards the invariants of `flask check` hold.

Short by default so `make test` stays quick on both databases;
`SHOPFLOOR_FUZZ_EXAMPLES=200 pytest tests/functional/test_api_fuzz.py` runs a long search.
Generation is derandomized: the same code and data give the same requests on every run.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoverageScenario
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shopfloor.extensions import db

EXAMPLES = int(os.environ.get("SHOPFLOOR_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # reproducible in CI: the same requests every run
    database=None,  # nothing written under .hypothesis/
    deadline=None,  # a request's time is not the property under test
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large, HealthCheck.large_base_example),
)


_MISSING = object()


@pytest.fixture(scope="module", autouse=True)
def hypothesis_left_as_found():
    """Schemathesis speeds itself up by patching Hypothesis for the whole process, and one
    patch prints every falsifying example blank ("n=,"). Put Hypothesis back for the tests
    that run after these. (Its pytest plugin, which would patch at start-up, is disabled in
    pyproject's addopts.)"""
    from hypothesis import core
    from hypothesis.internal import entropy
    from hypothesis.internal.conjecture import engine
    from hypothesis.strategies._internal import collections
    from hypothesis.strategies._internal import core as strategies_core

    patched = [(core, "RepresentationPrinter"), (core, "BUFFER_SIZE"), (engine, "BUFFER_SIZE"),
               (collections, "BUFFER_SIZE"), (entropy, "register_random"),
               (strategies_core, "is_first_param_referenced_in_function")]
    saved = [(module, name, getattr(module, name, _MISSING)) for module, name in patched]
    yield
    for module, name, value in saved:
        if value is _MISSING:
            if hasattr(module, name):
                delattr(module, name)
        else:
            setattr(module, name, value)


@pytest.fixture
def workshop(app):
    """The demo workshop: items, locations, lots, recipes, orders in every state, a shipment.
    Returns the codes that exist, so generated requests sometimes name real things."""
    from shopfloor.services.demo import load_demo
    from tests.scenarios import demo_codes

    with app.app_context():
        load_demo()
        codes = demo_codes()
        known = {kind: codes[kind] for kind in ("item", "location", "lot", "order", "shipment",
                                                "purchase_order", "supplier", "customer")}
        db.session.rollback()
    return known


class Snapshot:
    """What the database holds, cheaply (rows per table, one query) or fully (a digest of
    every row of every table). Plain SQL built once, on a connection of its own kept open:
    it runs around every write."""

    def __init__(self, app):
        with app.app_context():
            self.connection = db.engine.connect()
            preparer = db.engine.dialect.identifier_preparer
        tables = db.metadata.sorted_tables
        self.counts_sql = "SELECT " + ", ".join(
            f"(SELECT count(*) FROM {preparer.format_table(table)})" for table in tables)
        self.rows_sql = [
            f"SELECT * FROM {preparer.format_table(table)} ORDER BY " + ", ".join(
                preparer.format_column(column) for column in table.primary_key.columns)
            for table in tables]

    def counts(self) -> tuple:
        try:
            return tuple(self.connection.exec_driver_sql(self.counts_sql).one())
        finally:
            self.connection.rollback()  # the next look must see what was committed since

    def everything(self) -> str:
        digest = hashlib.sha256()
        try:
            for sql in self.rows_sql:
                digest.update(repr(self.connection.exec_driver_sql(sql).fetchall()).encode())
        finally:
            self.connection.rollback()
        return digest.hexdigest()

    def close(self) -> None:
        self.connection.close()


class Probe:
    """Sends cases as one user and holds every answer to the document. A refused write must
    leave the database as it was: after every one, each table has as many rows as before;
    after every FULL_CHECK_EVERY-th write, every row of every table is as it was."""

    FULL_CHECK_EVERY = 8

    def __init__(self, app, token: str):
        self.app = app
        self.snapshot = Snapshot(app)
        # Uncompressed: the test client hands schemathesis the bytes as sent, and it does not
        # decompress them (compression itself is tested in test_openapi and test_page_weight).
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
        self.statuses: list[int] = []
        self.writes = 0

    def _state(self, full: bool) -> tuple:
        return self.snapshot.counts(), self.snapshot.everything() if full else None

    def send(self, case) -> None:
        writes = case.method.upper() not in ("GET", "HEAD", "OPTIONS")
        if writes:
            self.writes += 1
            full = self.writes % self.FULL_CHECK_EVERY == 1
            before = self._state(full)
        response = case.call(headers=self.headers)
        self.statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=self.headers)
        if writes and response.status_code >= 400:
            assert self._state(full) == before, (
                f"a refused request changed the database: {case.method} "
                f"{case.formatted_path} {case.query} {case.body!r} -> "
                f"{response.status_code} {response.text}")


# Which known codes a query parameter or body field may be given.
_FIELD_CHOICES = {"item": "item", "product": "item", "lot": "lot", "location": "location",
                  "from": "location", "to": "location", "customer": "customer",
                  "supplier": "supplier", "default_supplier": "supplier", "code": "lot"}


def _path_choice(operation_path: str, name: str) -> str | None:
    """Which known codes a path parameter may be given."""
    if name == "sku":
        return "item"
    if name == "code":
        return "location" if operation_path.startswith("/locations") else "lot"
    if name == "number":
        return {"/shipments": "shipment", "/purchase-orders": "purchase_order"}.get(
            "/" + operation_path.split("/")[1], "order")
    if name == "key":
        return "customer" if operation_path.startswith("/customers") else "supplier"
    return None  # an import or export kind: the document lists them


def _aim_at_real_things(case, data, known: dict) -> None:
    """Now and then put a code that exists where the generator put a random string, so the
    requests get past "not found" into the rules behind it."""

    def maybe(kind: str | None, current):
        if kind is None or not known[kind] or not data.draw(st.booleans(), label="use a real code"):
            return current
        return data.draw(st.sampled_from(known[kind]), label=kind)

    for name in list(case.path_parameters or {}):
        case.path_parameters[name] = maybe(_path_choice(case.operation.path, name),
                                           case.path_parameters[name])
    for name in list(case.query or {}):
        if name in _FIELD_CHOICES and isinstance(case.query[name], str):
            case.query[name] = maybe(_FIELD_CHOICES[name], case.query[name])

    def aim(obj):
        if isinstance(obj, dict):
            for name, value in obj.items():
                if name in _FIELD_CHOICES and isinstance(value, str):
                    obj[name] = maybe(_FIELD_CHOICES[name], value)
                elif isinstance(value, list):
                    for element in value:
                        aim(element)

    aim(case.body)


def _property(probe: Probe, strategy, known: dict, examples: int):
    """The property, for one operation and one generation mode."""

    @settings(SETTINGS, max_examples=examples)
    @given(data=st.data())
    def every_answer_is_documented_and_refusals_change_nothing(data):
        case = data.draw(strategy, label="case")
        _aim_at_real_things(case, data, known)
        probe.send(case)

    return every_answer_is_documented_and_refusals_change_nothing


RANK = {"public": -1, "operator": 0, "supervisor": 1, "admin": 2}


def _schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _fuzz(probe: Probe, known: dict, role: str) -> list[str]:
    """Generated requests to every operation, valid and invalid. An operation the role may
    not use is refused before its input is read, so one example of each kind shows that."""
    schema = _schema(probe.app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        allowed = RANK[role] >= RANK[operation.definition.raw["x-shopfloor-role"]]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE:
                strategy = st.one_of(strategy, *schema.get_strategies_from_examples(operation))
            try:
                _property(probe, strategy, known, EXAMPLES if allowed else 1)()
            except (Exception, FailureGroup) as failure:  # collect them all, then report
                failures.append(f"{operation.label} ({mode.value}):\n{failure}")
    return failures


UNIQUE_FIELDS = ("sku", "code", "name", "lot_code")


def _example_values(document: dict) -> set[str]:
    """The values the document's request examples give the fields that must be unique."""
    values = set()
    for schema in document["components"]["schemas"].values():
        for example in schema.get("examples", []):
            if isinstance(example, dict):
                values.update(example[name] for name in UNIQUE_FIELDS if name in example)
    return values


def _made_unique(case, examples: set[str], serial: int) -> None:
    """A boundary case keeps the example's other fields and the same Idempotency-Key: give
    it a name and a key of its own (of the same length), or every creation after the first
    stops at "already exists" or "key already used" before reaching its edge."""
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and key:
        tag = str(serial)
        case.headers["Idempotency-Key"] = (key[:-len(tag)] + tag)[-len(key):]
    if isinstance(case.body, dict):
        for name in UNIQUE_FIELDS:
            value = case.body.get(name)
            if isinstance(value, str) and value in examples:
                case.body[name] = f"{case.body[name]}-{serial}"


def _worth_sending(case, seen: set) -> bool:
    """Most of the coverage phase, less its repetitions: a field of the wrong type is sent
    once as a scalar and once as a container (not as each of 0, false, null, "AAA", [] and
    {}), and only in a body (a query, path or header value is text on the wire whatever
    its type). Requests without a token are left to test_access."""
    data = case.meta.phase.data
    if data.scenario == CoverageScenario.MISSING_PARAMETER and data.parameter == "Authorization":
        return False
    if data.scenario != CoverageScenario.INCORRECT_TYPE:
        return True
    if data.parameter_location != ParameterLocation.BODY:
        return False
    field = data.description.split(":", 1)[0]
    value = case.body.get(field) if isinstance(case.body, dict) else case.body
    shape = (field, isinstance(value, list | dict))
    if shape in seen:
        return False
    seen.add(shape)
    return True


def _boundaries(probe: Probe) -> list[str]:
    """Schemathesis' coverage phase: for every operation, a fixed set of requests at the
    edges of what the document allows and just past them (longest strings, largest
    numbers, each required field missing, wrong types). No randomness at all."""
    schema = _schema(probe.app)
    examples = _example_values(schema.raw_schema)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        config = schema.config.generation_for(operation=operation, phase="coverage")
        seen: set = set()
        for case in schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                               generation_config=config):
            if case.method.upper() != operation.method.upper():
                continue  # methods a path lacks get Flask's own 405: nothing of ours to see
            if not _worth_sending(case, seen):
                continue
            _made_unique(case, examples, len(probe.statuses))
            try:
                probe.send(case)
            except (Exception, FailureGroup) as failure:  # one per operation is enough
                failures.append(f"{operation.label} (coverage):\n{failure}")
                break
    return failures


def _report(role: str, probe: Probe, started: float) -> None:
    counts = sorted(Counter(probe.statuses).items())
    print(f"\n{role}: {len(probe.statuses)} requests in {time.monotonic() - started:.1f} s "
          f"{counts}")


def _invariants_hold(app) -> None:
    from shopfloor.services.invariants import check_all

    with app.app_context():
        assert check_all() == []


@pytest.fixture
def probe_as(app, workshop, token_for):
    """probe_as(role) -> a Probe sending as a new token of the demo user with that role."""
    probes: list[Probe] = []

    def make(role: str) -> Probe:
        probes.append(Probe(app, token_for(role)))
        return probes[-1]

    yield make
    for probe in probes:
        probe.snapshot.close()


def test_requests_at_and_past_every_boundary_get_documented_answers(app, probe_as):
    started = time.monotonic()
    probe = probe_as("admin")
    failures = _boundaries(probe)
    _report("admin, boundaries", probe, started)
    assert not failures, "\n\n".join(failures)
    _invariants_hold(app)


@pytest.mark.parametrize("role", ["admin", "operator"])
def test_generated_requests_get_no_server_error_and_only_documented_answers(
        app, workshop, probe_as, role):
    started = time.monotonic()
    probe = probe_as(role)
    failures = _fuzz(probe, workshop, role)
    _report(role, probe, started)
    assert not failures, "\n\n".join(failures)
    _invariants_hold(app)
    assert len(probe.statuses) > 0
