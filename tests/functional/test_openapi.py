"""The OpenAPI description of the JSON API is a valid OpenAPI 3 document, describes exactly
the routes the app has (with the role each needs), and real answers from a workshop's day
match it. tests/functional/test_api_fuzz.py then throws generated and hostile requests at it.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from datetime import date, timedelta

import jsonschema_rs
import pytest
import schemathesis

from shopfloor.access import required_role

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
API_PREFIX = "/api/v1"


@pytest.fixture
def spec(client):
    response = client.get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _spec_operations(spec) -> dict[tuple[str, str], dict]:
    return {(path, method): item[method]
            for path, item in spec["paths"].items()
            for method in HTTP_METHODS if method in item}


def _app_operations(app) -> dict[tuple[str, str], str]:
    """(path as OpenAPI writes it, method) -> endpoint, for every route under /api/v1."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(API_PREFIX))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(path, method.lower())] = rule.endpoint
    return found


# --- the document -------------------------------------------------------------------------

def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(copy.deepcopy(spec)).validate()


def test_every_schema_is_valid_json_schema_and_every_reference_resolves(spec):
    for schema in spec["components"]["schemas"].values():
        jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]},
                                           validate_formats=True)
    text = repr(spec)
    for kind, name in re.findall(r"#/components/(\w+)/(\w+)", text):
        assert name in spec["components"][kind], f"#/components/{kind}/{name}"


def test_every_api_route_is_described_and_every_description_is_a_route(app, spec):
    in_app = _app_operations(app)
    in_spec = _spec_operations(spec)
    assert sorted(set(in_app) - set(in_spec)) == [], "routes missing from the OpenAPI document"
    assert sorted(set(in_spec) - set(in_app)) == [], "documented paths the app does not have"


def test_each_operation_is_named_after_its_endpoint_and_states_its_role(app, spec):
    in_app = _app_operations(app)
    with app.test_request_context():
        for key, operation in _spec_operations(spec).items():
            endpoint = in_app[key]
            assert f"api.{operation['operationId']}" == endpoint, key
            assert operation["x-shopfloor-role"] == required_role(endpoint), key


def test_refusals_follow_from_the_role_and_the_body(spec):
    for key, operation in _spec_operations(spec).items():
        statuses = set(operation["responses"])
        role = operation["x-shopfloor-role"]
        assert ("401" in statuses) is (role != "public"), key
        assert ("403" in statuses) is (role not in ("public", "operator")), key
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= statuses, key
        if "{" in key[0]:
            assert "404" in statuses, key
        for status in statuses - {"200", "201", "202"}:
            assert operation["responses"][status] == {
                "$ref": f"#/components/responses/{_error_response_name(spec, status)}"}, key


def _error_response_name(spec, status: str) -> str:
    from shopfloor.api.openapi import ERROR_RESPONSES

    return ERROR_RESPONSES[int(status)][0]


def test_an_idempotency_key_is_documented_exactly_where_it_is_honoured(app, spec):
    from shopfloor.http.idempotency import idempotent

    honouring = idempotent(lambda: None).__code__
    in_app = _app_operations(app)
    for key, operation in _spec_operations(spec).items():
        names = [p.get("$ref", "").rsplit("/", 1)[-1] for p in operation.get("parameters", [])]
        honours = app.view_functions[in_app[key]].__code__ is honouring
        assert ("IdempotencyKey" in names) is honours, key


def test_the_description_is_public(app):
    response = app.test_client().get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["info"]["title"] == "Shopfloor API"


def test_answers_are_compressed_for_clients_that_accept_it(app):
    """A phone on the workshop Wi-Fi pays for every byte: JSON goes gzipped to a client that
    says it can read it, and reads back the same."""
    client = app.test_client()
    plain = client.get(f"{API_PREFIX}/openapi.json", headers={"Accept-Encoding": "identity"})
    packed = client.get(f"{API_PREFIX}/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert json.loads(gzip.decompress(packed.get_data())) == plain.get_json()


# --- real answers match it -----------------------------------------------------------------

class Contract:
    """Checks each answer against the schema the document gives its operation and status,
    and remembers which operations were seen."""

    def __init__(self, app, spec):
        self.spec = spec
        self.adapter = app.url_map.bind("localhost")
        self.by_endpoint = {op["operationId"]: (path, method, op)
                            for (path, method), op in _spec_operations(spec).items()}
        self.seen: set[tuple[str, str, int]] = set()
        self._validators: dict[int, jsonschema_rs.Validator] = {}

    def check(self, method: str, url: str, response):
        path = url.split("?", 1)[0]
        endpoint, _ = self.adapter.match(path, method=method)
        spec_path, spec_method, operation = self.by_endpoint[endpoint.removeprefix("api.")]
        status = str(response.status_code)
        assert status in operation["responses"], (
            f"{method} {url} answered {status}, not documented: {response.get_data(True)}")
        described = operation["responses"][status]
        if "$ref" in described:
            described = self.spec["components"]["responses"][described["$ref"].rsplit("/")[-1]]
        media = described["content"]
        assert response.mimetype in media, (method, url, response.mimetype)
        schema = media[response.mimetype]["schema"]
        validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": self.spec["components"]}, validate_formats=True)
        errors = [f"{error.instance_path}: {error.message}"
                  for error in validator.iter_errors(response.get_json())]
        assert not errors, f"{method} {url} -> {status}: {errors}\n{response.get_json()}"
        self.seen.add((spec_path, spec_method, response.status_code))
        return response


class CheckedClient:
    """A bearer-token client whose every answer is checked against the document."""

    def __init__(self, client, contract: Contract):
        self.client, self.contract = client, contract

    def __getattr__(self, method):
        def call(url, **kwargs):
            response = getattr(self.client, method)(url, **kwargs)
            return self.contract.check(method.upper(), url, response)

        return call


@pytest.fixture
def contract(app, spec):
    return Contract(app, spec)


@pytest.fixture
def checked(api, contract):
    return lambda role="operator": CheckedClient(api(role), contract)


def _created(response, status=201):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_workshop_day_answers_as_the_document_says(app, checked, contract):
    boss, floor = checked("supervisor"), checked("operator")
    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=300)).isoformat()

    # master data
    _created(floor.get(f"{API_PREFIX}/me"), 200)
    _created(boss.post(f"{API_PREFIX}/suppliers", json={"name": "CeraPura Waxes",
                                                        "email": "orders@cerapura.example"}))
    customer = _created(boss.post(f"{API_PREFIX}/customers", json={"name": "Casa Verde"}))
    _created(boss.patch(f"{API_PREFIX}/customers/{customer['id']}", json={"phone": "+40 1"}),
             200)
    _created(boss.patch(f"{API_PREFIX}/suppliers/CeraPura Waxes", json={"contact": "Ioana"}),
             200)
    for code, kind in (("RAW-A1", "storage"), ("RAW-A2", "storage"), ("FG-1", "storage"),
                       ("QUAR", "quarantine")):
        _created(boss.post(f"{API_PREFIX}/locations", json={"code": code, "name": code,
                                                            "kind": kind}))
    _created(boss.patch(f"{API_PREFIX}/locations/RAW-A2", json={"name": "Shelf A2"}), 200)
    _created(boss.post(f"{API_PREFIX}/items", json={
        "sku": "WAX-SOY", "name": "Soy wax", "kind": "material", "unit": "g",
        "reorder_point": "50000", "reorder_quantity": "25000", "shelf_life_days": 730,
        "default_supplier": "CeraPura Waxes"}))
    _created(boss.post(f"{API_PREFIX}/items", json={
        "sku": "OIL-LAV", "name": "Lavender oil", "kind": "material", "unit": "ml",
        "density": "0.885", "gtin": "05941234000013"}))
    _created(boss.post(f"{API_PREFIX}/items", json={
        "sku": "CANDLE", "name": "Lavender candle", "kind": "product", "unit": "pcs",
        "price": "18.50"}))
    _created(boss.patch(f"{API_PREFIX}/items/CANDLE", json={"shelf_life_days": 365}), 200)
    _created(floor.get(f"{API_PREFIX}/items?kind=material"), 200)
    _created(floor.get(f"{API_PREFIX}/items/WAX-SOY"), 200)
    _created(floor.get(f"{API_PREFIX}/suppliers?q=cera"), 200)
    _created(floor.get(f"{API_PREFIX}/customers"), 200)
    _created(floor.get(f"{API_PREFIX}/customers/Casa Verde"), 200)
    _created(floor.get(f"{API_PREFIX}/suppliers/1"), 200)
    _created(floor.get(f"{API_PREFIX}/locations"), 200)
    _created(floor.get(f"{API_PREFIX}/locations/FG-1"), 200)

    # receiving, moving, counting
    late_wax = _created(floor.post(f"{API_PREFIX}/receipts", json={
        "item": "WAX-SOY", "quantity": "20", "unit": "kg", "location": "RAW-A1",
        "unit_cost": "4.20", "supplier_lot": "CP-1187", "expiry": later}))["lot"]["code"]
    early_wax = _created(floor.post(f"{API_PREFIX}/receipts", json={
        "item": "WAX-SOY", "quantity": "5", "unit": "kg", "location": "RAW-A2",
        "unit_cost": "4.35", "expiry": soon}, headers={"Idempotency-Key": "phone-7"}))
    early_wax = early_wax["lot"]["code"]
    oil = _created(floor.post(f"{API_PREFIX}/receipts", json={
        "item": "OIL-LAV", "quantity": "1", "unit": "l", "location": "RAW-A1",
        "unit_cost": "64.00", "lot_code": "LAV-0925", "expiry": later}))["lot"]["code"]
    _created(floor.post(f"{API_PREFIX}/moves", json={
        "lot": late_wax, "from": "RAW-A1", "to": "RAW-A2", "quantity": "1000"}))
    _created(floor.post(f"{API_PREFIX}/counts", json={
        "lot": late_wax, "location": "RAW-A1", "counted_quantity": "18950",
        "reason": "weekly count"}))
    _created(floor.get(f"{API_PREFIX}/lots/{late_wax}"), 200)
    _created(floor.get(f"{API_PREFIX}/stock?item=WAX-SOY"), 200)
    alerts = _created(floor.get(f"{API_PREFIX}/alerts"), 200)
    assert alerts["low_stock"] and alerts["expiring"]
    for code in (late_wax, "WAX-SOY", "RAW-A1", "https://shop.example/l/" + oil):
        _created(floor.get(f"{API_PREFIX}/scan", query_string={"code": code}), 200)
    _created(floor.get(f"{API_PREFIX}/gs1", query_string={
        "code": "(01)05941234000013(10)AL-77(17)271231(3101)000125"}), 200)

    # production
    _created(boss.post(f"{API_PREFIX}/recipes", json={
        "product": "CANDLE", "yield_quantity": "10",
        "lines": [{"item": "WAX-SOY", "quantity": "1.8", "unit": "kg"},
                  {"item": "OIL-LAV", "quantity": "60", "unit": "ml", "loss_percent": "3"}],
        "labour_minutes": "45", "labour_rate": "24", "overhead": "3.50"}))
    _created(floor.get(f"{API_PREFIX}/recipes/CANDLE"), 200)
    order = _created(boss.post(f"{API_PREFIX}/production-orders", json={
        "product": "CANDLE", "quantity": "10", "due_date": soon}))["number"]
    _created(floor.get(f"{API_PREFIX}/planning"), 200)
    _created(boss.post(f"{API_PREFIX}/production-orders/{order}/release"), 200)
    suggestions = _created(floor.get(f"{API_PREFIX}/production-orders/{order}/suggestions"),
                           200)
    refused = floor.post(f"{API_PREFIX}/production-orders/{order}/picks", json={
        "lot": late_wax, "location": "RAW-A1", "quantity": "100"})
    assert refused.status_code == 409  # the other wax lot expires first
    for requirement in suggestions["requirements"]:
        for lot in requirement["lots"]:
            _created(floor.post(f"{API_PREFIX}/production-orders/{order}/picks", json={
                "lot": lot["lot"], "location": lot["location"], "quantity": lot["quantity"]}))
    _created(floor.get(f"{API_PREFIX}/production-orders/{order}"), 200)
    done = _created(floor.post(f"{API_PREFIX}/production-orders/{order}/complete", json={
        "quantity": "10", "location": "FG-1"}), 200)
    candles = done["output_lot"]["code"]
    _created(floor.get(f"{API_PREFIX}/production-orders/{order}"), 200)
    spare = _created(boss.post(f"{API_PREFIX}/production-orders", json={
        "product": "CANDLE", "quantity": "1"}))["number"]
    _created(boss.post(f"{API_PREFIX}/production-orders/{spare}/cancel"), 200)

    # shipping and traceability
    shipment = _created(floor.post(f"{API_PREFIX}/shipments", json={
        "customer": "Casa Verde", "reference": "INV-1",
        "lines": [{"lot": candles, "quantity": "4"}]}))["number"]
    _created(floor.get(f"{API_PREFIX}/shipments/{shipment}"), 200)
    backward = _created(floor.get(f"{API_PREFIX}/lots/{candles}/trace"), 200)
    assert {child["lot"]["code"] for child in backward["tree"]["children"]} >= {early_wax, oil}
    forward = _created(floor.get(f"{API_PREFIX}/lots/{early_wax}/trace?direction=forward"),
                       200)
    assert forward["shipments"][0]["shipment"] == shipment
    recall = _created(boss.get(f"{API_PREFIX}/recall?lot={early_wax}&include_inputs=1"), 200)
    assert recall["balanced"] and recall["customers"] == ["Casa Verde"]
    _created(boss.post(f"{API_PREFIX}/lots/{late_wax}/status", json={
        "status": "quarantine", "reason": "smells off"}), 200)
    _created(boss.post(f"{API_PREFIX}/recall/quarantine", json={
        "lots": [early_wax], "reason": "supplier recall"}), 200)

    # refusals have the documented shape too
    assert floor.get(f"{API_PREFIX}/items/NOPE").status_code == 404
    assert floor.post(f"{API_PREFIX}/items", json={"sku": "X"}).status_code == 403
    assert boss.post(f"{API_PREFIX}/items", json={
        "sku": "WAX-SOY", "name": "again", "kind": "material", "unit": "g"}).status_code == 409
    assert floor.post(f"{API_PREFIX}/moves", json={
        "lot": late_wax, "from": "RAW-A1", "to": "RAW-A2", "quantity": "1.5.5"}
    ).status_code == 422
    assert floor.post(f"{API_PREFIX}/moves", json=[1, 2]).status_code == 422
    oversize = b'{"lot": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    assert floor.post(f"{API_PREFIX}/moves", data=oversize,
                      content_type="application/json").status_code == 413
    assert floor.get(f"{API_PREFIX}/stock").status_code == 422
    assert floor.get(f"{API_PREFIX}/scan?code=nothing-here").status_code == 404
    assert boss.post(f"{API_PREFIX}/production-orders/{order}/release").status_code == 409
    anonymous = CheckedClient(app.test_client(), contract)
    assert anonymous.get(f"{API_PREFIX}/alerts").status_code == 401
    assert anonymous.get(f"{API_PREFIX}/openapi.json").status_code == 200

    walked = {(path, method) for path, method, _status in contract.seen}
    core = {"/receipts", "/moves", "/counts", "/recipes", "/production-orders",
            "/production-orders/{number}/release", "/production-orders/{number}/picks",
            "/production-orders/{number}/complete", "/shipments", "/lots/{code}/trace",
            "/recall"}
    assert core <= {path for path, _method in walked}
