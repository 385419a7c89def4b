"""Hostile input to the HTML forms (issue 9), the other half of test_api_fuzz.py.

Hypothesis fills every POST form of the web app with generated values — empty, huge,
non-numeric, negative, many decimals, exponents, impossible dates, any unicode, NUL,
markup — mixed with real codes so that some requests get past "not found" into the rules,
and posts them as a signed-in supervisor with a valid CSRF token, sometimes with an
idempotency key, sometimes to a path naming something that does not exist. Every answer:

- is not a server error and shows no stack trace;
- if it refuses (4xx, or a redirect carrying an error message), leaves every row of every
  table as it was;
- if it only shows the form again (200), changes nothing but, at most, remember its key.

Then `flask check` finds nothing. A second test posts every form without its CSRF token,
and with a wrong one: 400, nothing changed.

Generation is derandomized (the same requests every run). Short in `make test`;
`pytest --long` (SHOPFLOOR_LONG=1) or SHOPFLOOR_FORM_FUZZ_EXAMPLES=N runs a longer search.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shopfloor.extensions import db
from tests.conftest import PASSWORD, long_run

SHORT_EXAMPLES, LONG_EXAMPLES = 6, 100

# --- values ------------------------------------------------------------------------------------

TODAY = date.today()
NASTY = [
    "", " ", "\t\n", "0", "-0", "-1", "-12.5", "1e3", "1E-7", "1e999", "NaN", "Infinity",
    "-inf", "0x10", "1,5", "1.5.5", "١٢", "１２", "½", "+7", ".5", "5.", "0.0000001",
    "1.123456789012345678901234567890", "99999999999999999999999999", "9" * 400,
    "12,345.67", "2024-02-30", "2024-13-01", "31/12/2024", "0000-00-00", "9999-12-31",
    "10000-01-01", "-2024-01-01", "yesterday", "null", "None", "true", "on", "[]", "{}",
    "a\x00b", "\x00", "'; DROP TABLE items; --", "<script>alert(1)</script>", "{{ 7*7 }}",
    "../../etc/passwd", "%s%n%x", "\u202egnp.exe", "🕯️ lavande", "Ünïcödé ș ț", "\ufeff1",
    "x" * 5000,
]
HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),  # any unicode that can be sent (no lone surrogates)
    st.integers(-10**30, 10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
)


@dataclass
class Form:
    """A POST form: its path (which may name a known thing), its fields and what each is
    for, and fields that repeat (lines)."""

    name: str
    path: str  # with {kind} placeholders filled from the known codes
    fields: dict[str, str] = field(default_factory=dict)  # name -> kind of value
    lines: dict[str, str] = field(default_factory=dict)  # repeated fields, several values
    fixed: dict[str, str] = field(default_factory=dict)  # e.g. the submit button
    upload: bool = False  # a CSV file in `file`
    role: str = "supervisor"


FORMS = [
    Form("receive", "/receive", {
        "item": "item", "quantity": "quantity", "unit": "unit", "unit_cost": "money",
        "location": "location", "supplier": "supplier", "supplier_lot": "text",
        "expiry": "date", "lot_code": "text", "accept_expired": "flag", "copies": "integer",
        "purchase_order_line": "integer"}),
    Form("receive (GS1 fill)", "/receive", {"gs1": "text"}, fixed={"action": "fill"}),
    Form("move", "/moves/new", {"lot": "lot", "from": "location", "to": "location",
                                "quantity": "quantity"}),
    Form("count", "/counts/new", {"location": "location", "reason": "text"},
         lines={"lot": "lot", "counted_quantity": "quantity"}, fixed={"action": "submit"}),
    Form("lot status", "/lots/{lot}/status", {"status": "lot_status", "reason": "text"}),
    Form("new item", "/items/new", {
        "sku": "new_code", "name": "text", "kind": "item_kind", "unit": "unit",
        "reorder_point": "quantity", "reorder_quantity": "quantity",
        "default_supplier": "supplier", "shelf_life_days": "integer", "gtin": "text",
        "density": "quantity", "price": "money", "archived": "flag"}),
    Form("edit item", "/items/{item}/edit", {
        "sku": "item", "name": "text", "kind": "item_kind", "unit": "unit",
        "reorder_point": "quantity", "reorder_quantity": "quantity",
        "default_supplier": "supplier", "shelf_life_days": "integer", "gtin": "text",
        "density": "quantity", "price": "money", "archived": "flag"}),
    Form("new location", "/locations/new", {"code": "new_code", "name": "text",
                                            "kind": "location_kind", "archived": "flag"}),
    Form("edit location", "/locations/{location}/edit", {
        "code": "location", "name": "text", "kind": "location_kind", "archived": "flag"}),
    *(Form(f"new {party}", f"/{party}s/new", {
        "name": "text", "contact": "text", "email": "text", "phone": "text",
        "address": "text", "notes": "text", "archived": "flag"}) for party in
      ("supplier", "customer")),
    *(Form(f"edit {party}", f"/{party}s/{{{party}_id}}/edit", {
        "name": "text", "contact": "text", "email": "text", "phone": "text",
        "address": "text", "notes": "text", "archived": "flag"}) for party in
      ("supplier", "customer")),
    Form("new recipe", "/recipes/{product}/new", {
        "yield_quantity": "quantity", "unit": "unit", "labour_minutes": "quantity",
        "labour_rate": "money", "overhead": "money", "notes": "text",
        "lines-0-item": "item", "lines-0-quantity": "quantity", "lines-0-unit": "unit",
        "lines-0-loss_percent": "quantity", "lines-1-item": "item",
        "lines-1-quantity": "quantity"}),
    Form("new order", "/orders/new", {"product": "product", "quantity": "quantity",
                                      "due_date": "date"}),
    Form("release", "/orders/{order}/release"),
    Form("pick", "/orders/{order}/pick", {"lot": "lot", "location": "location",
                                          "quantity": "quantity", "override_reason": "text"},
         role="operator"),
    Form("complete", "/orders/{order}/complete", {
        "quantity": "quantity", "lot_code": "text", "expiry": "date", "location": "location"},
         role="operator"),
    Form("cancel", "/orders/{order}/cancel"),
    Form("ship", "/shipments/new", {"customer": "customer", "reference": "text",
                                    "notes": "text"},
         lines={"lot": "lot", "quantity": "quantity", "location": "location"},
         fixed={"action": "submit"}, role="operator"),
    Form("recall quarantine", "/recall/quarantine", {"include_inputs": "flag",
                                                     "reason": "text"},
         lines={"lot": "lot"}),
    Form("purchase orders from suggestions", "/purchasing/from-suggestions",
         lines={"item": "item"}),
    Form("purchase order", "/purchasing/{purchase_order}", {
        "action": "po_action", "expected_date": "date", "notes": "text"},
         lines={"item": "item", "quantity": "quantity", "unit": "unit",
                "unit_price": "money"}),
    Form("settings", "/settings", {
        "company_name": "text", "currency": "text", "lot_code_pattern": "text",
        "default_label_size": "text", "picking_policy": "text"}, role="admin"),
    Form("language", "/language", {"language": "text"}),
    *(Form(f"import {kind}{check}", f"/data/import/{kind}{check}", upload=True)
      for kind in ("items", "opening_stock", "recipes") for check in ("", "/check")),
]

# Real values of each kind, beside the hostile ones.
CHOICES = {
    "unit": ["g", "kg", "ml", "pcs", "lb"],
    "money": ["0.50", "12", "0.0042"],
    "quantity": ["1", "2.5", "10", "0.001"],
    "integer": ["1", "3"],
    "date": [(TODAY + timedelta(days=90)).isoformat(), (TODAY - timedelta(days=3)).isoformat()],
    "flag": ["1", "on", "true"],
    "text": ["fuzz", "Lavender 200 ml"],
    "lot_status": ["quarantine", "release", "reject", "available"],
    "item_kind": ["material", "intermediate", "product"],
    "location_kind": ["storage", "production", "shipping", "quarantine"],
    "po_action": ["send", "cancel", "save"],
}
IMPORT_HEADERS = {
    "items": "sku,name,kind,unit,reorder_point,shelf_life_days,gtin,density,price",
    "opening_stock": "item,quantity,unit,location,unit_cost,lot_code,expiry",
    "recipes": "product,yield_quantity,unit,labour_minutes,item,quantity,line_unit,"
               "loss_percent",
}


def _value(data, kind: str, known: dict, hostile: bool | None = None) -> str:
    """A real value of the kind, or a hostile one (`hostile`, or drawn when None)."""
    real = known.get(kind) or CHOICES.get(kind)
    if kind == "new_code":
        real = [f"FZ-{uuid.uuid4().hex[:8]}"]
    if hostile is None:
        hostile = not real or not data.draw(st.booleans(), label=f"real {kind}")
    if real and not hostile:
        return data.draw(st.sampled_from(real), label=kind)
    return data.draw(HOSTILE, label=f"hostile {kind}")


def _csv(data, header: str, known: dict) -> bytes:
    columns = header.split(",")
    rows = data.draw(st.lists(st.lists(st.one_of(HOSTILE, st.sampled_from(
        known["item"] + known["location"] + CHOICES["quantity"])), min_size=len(columns),
        max_size=len(columns)), max_size=4), label="rows")
    escape = lambda v: '"' + v.replace('"', '""') + '"'  # noqa: E731
    text = "\n".join([header, *(",".join(escape(v) for v in row) for row in rows)])
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
                         label="encoding")
    return text.encode(encoding, errors="replace")


# --- the database, before and after -------------------------------------------------------------

class Snapshot:
    """Every row of every table, as a digest; and rows per table, to say what changed."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            preparer = db.engine.dialect.identifier_preparer
        self.sql = {table.name: f"SELECT * FROM {preparer.format_table(table)} ORDER BY "
                    + ", ".join(preparer.format_column(c) for c in table.primary_key.columns)
                    for table in db.metadata.sorted_tables}

    def take(self) -> dict[str, str]:
        with self.app.app_context(), db.engine.connect() as connection:
            return {name: hashlib.sha256(repr(connection.exec_driver_sql(sql).fetchall())
                                         .encode()).hexdigest()
                    for name, sql in self.sql.items()}

    @staticmethod
    def changed(before: dict, after: dict) -> list[str]:
        return [name for name in before if before[name] != after[name]]


# --- signed-in clients -------------------------------------------------------------------------

def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _signed_in(app, username: str):
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    client.csrf = _csrf(client.get("/receive").get_data(as_text=True))
    return client


def _error_flashed(client) -> bool:
    """Whether the answer left an error message for the next page (and forget them)."""
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return any(category == "error" for category, _message in flashes)


@pytest.fixture
def workshop(app, make_user):
    """The demo workshop, a draft order and a draft purchase order, CSRF switched on, and
    the codes that exist, by kind."""
    from shopfloor.models.users import User
    from shopfloor.services import production, purchasing
    from shopfloor.services.demo import load_demo
    from tests.scenarios import demo_codes

    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        load_demo()
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        production.create_order({"product": "CANDLE-LAV", "quantity": "4"}, admin)
        purchasing.create_purchase_order({"supplier": "CeraPura Waxes", "lines": [
            {"item": "WAX-SOY", "quantity": "5", "unit": "kg", "unit_price": "4.10"}]}, admin)
        codes = demo_codes()
        known = {kind: codes[kind] for kind in (
            "item", "location", "lot", "order", "purchase_order", "supplier", "customer",
            "supplier_id", "customer_id", "product")}
        db.session.rollback()
    return known


def _examples(config) -> int:
    given_number = os.environ.get("SHOPFLOOR_FORM_FUZZ_EXAMPLES")
    if given_number:
        return int(given_number)
    return LONG_EXAMPLES if long_run(config) else SHORT_EXAMPLES


SETTINGS = settings(derandomize=True, database=None, deadline=None,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink),
                    suppress_health_check=list(HealthCheck), print_blob=False)


def _path(data, form: Form, known: dict) -> str:
    def fill(match):
        kind = match[1]
        if data.draw(st.integers(0, 5), label="path names a real thing") > 0:
            return data.draw(st.sampled_from(known[kind]), label=kind)
        value = data.draw(st.sampled_from(["NOPE", "0", "-1", "99999999999", "%00", "a%00b",
                                           "%E2%80%AE", "..", "x" * 300, "%F0%9F%95%AF"]),
                          label=f"hostile {kind}")
        return value

    return re.sub(r"\{(\w+)\}", fill, form.path)


def _post(client, data, form: Form, known: dict):
    # Mostly one hostile field among real ones, so that the others get past "not found"
    # and the hostile value meets the rules behind; sometimes all real, sometimes anything.
    names = [*form.fields, *form.lines]
    mode = data.draw(st.sampled_from(["one", "one", "all real", "any"]), label="mode")
    target = data.draw(st.sampled_from(names), label="hostile field") \
        if names and mode == "one" else None
    hostile = {"one": None, "all real": False, "any": None}[mode]

    def value(name, kind):
        return _value(data, kind, known, hostile=(name == target) if target else hostile)

    body: dict = {"csrf_token": client.csrf, **form.fixed}
    for name, kind in form.fields.items():
        if name == target or data.draw(st.integers(0, 5), label=f"send {name}") > 0:
            body[name] = value(name, kind)
    if form.lines:
        count = data.draw(st.integers(1 if target in form.lines else 0, 3), label="lines")
        for name, kind in form.lines.items():
            body[name] = [value(name, kind) for _ in range(count)]
    key = data.draw(st.sampled_from([None, "fresh", "fresh", "hostile"]), label="key")
    if key == "fresh":
        body["idempotency_key"] = uuid.uuid4().hex
    elif key == "hostile":
        body["idempotency_key"] = data.draw(HOSTILE, label="hostile key")
    if form.upload:
        kind = form.path.split("/")[3]
        body["file"] = (__import__("io").BytesIO(_csv(data, IMPORT_HEADERS[kind], known)),
                        data.draw(st.sampled_from(["items.csv", "", "../x.csv", "ü.txt"]),
                                  label="file name"))
    path = _path(data, form, known)
    return path, body, client.post(path, data=body,
                                   content_type="multipart/form-data" if form.upload else None)


def _fuzz_form(app, clients, form: Form, known: dict, snapshot: Snapshot, examples: int,
               tally: Counter):
    client = clients[form.role]

    @settings(SETTINGS, max_examples=examples)
    @given(data=st.data())
    def refusals_change_nothing(data):
        before = snapshot.take()
        path, body, response = _post(client, data, form, known)
        text = response.get_data(as_text=True)
        refused = response.status_code >= 400 or (
            response.status_code in (302, 303) and _error_flashed(client))
        tally[(form.name, response.status_code, "refused" if refused else "")] += 1
        shown = f"{form.name}: POST {path} {body!r:.1500} -> {response.status_code}"
        assert response.status_code < 500, f"{shown}\n{text[:2000]}"
        assert "Traceback" not in text, shown
        changed = Snapshot.changed(before, snapshot.take())
        if refused:
            assert changed == [], f"a refused form changed {changed}: {shown}\n{text[:800]}"
        elif response.status_code == 200:  # the form shown again: no command ran
            assert set(changed) <= {"idempotency_records"}, f"{changed}: {shown}"

    refusals_change_nothing()


def test_generated_form_posts_get_no_server_error_and_refusals_change_nothing(
        app, workshop, make_user, request):
    from shopfloor.services.invariants import check_all

    examples = _examples(request.config)
    clients = {role: _signed_in(app, make_user(role))
               for role in ("operator", "supervisor", "admin")}
    snapshot = Snapshot(app)
    tally: Counter = Counter()
    failures = []
    started = time.monotonic()
    for form in FORMS:
        try:
            _fuzz_form(app, clients, form, workshop, snapshot, examples, tally)
        except Exception as failure:  # every form tried, then all failures reported
            failures.append(f"{form.name}:\n{failure}")
    posts = sum(tally.values())
    statuses = Counter()
    for (_name, status, refused), n in tally.items():
        statuses[f"{status}{' refused' if refused and status < 400 else ''}"] += n
    accepted = {name for (name, status, refused), _n in tally.items()
                if status in (302, 303) and not refused}
    print(f"\nform fuzz: {len(FORMS)} forms, {posts} posts in "
          f"{time.monotonic() - started:.1f} s, {sorted(statuses.items())}; accepted by "
          f"{len(accepted)} forms: {', '.join(sorted(accepted))}")
    assert not failures, "\n\n".join(failures)
    with app.app_context():
        assert check_all() == []
    assert len(accepted) >= 5, f"hardly anything got through: {accepted}"


def test_every_form_refuses_a_post_without_its_csrf_token(app, workshop, make_user):
    """CSRF on every form: a post without the token, or with another session's, is refused
    (400) before anything happens."""
    clients = {role: _signed_in(app, make_user(role))
               for role in ("operator", "supervisor", "admin")}
    other = _signed_in(app, make_user("supervisor")).csrf
    snapshot = Snapshot(app)
    before = snapshot.take()
    for form in FORMS:
        path = re.sub(r"\{(\w+)\}", lambda m: workshop[m[1]][0], form.path)
        values = {name: (workshop.get(kind) or CHOICES.get(kind) or ["1"])[0]
                  for name, kind in form.fields.items()}
        for token in (None, other, "x"):
            body = {**values, **form.fixed, **({"csrf_token": token} if token else {})}
            response = clients[form.role].post(path, data=body)
            assert response.status_code == 400, (form.name, token, response.status_code)
    assert Snapshot.changed(before, snapshot.take()) == []


def test_a_form_refused_by_a_redirect_with_an_error_leaves_its_key_free(app, client, make_user):
    """Found by the form fuzz: the lot status buttons refuse by redirecting to the lot page
    with an error message, and that refusal kept its idempotency key, so sending the form
    again (with a reason this time) replayed the refusal's redirect and changed nothing.
    A redirect carrying a new error message is now a refusal: the key stays free. An error
    message left over from an earlier request does not make an accepted one a refusal."""
    from shopfloor.models.idempotency import IdempotencyRecord
    from shopfloor.models.stock import Lot
    from tests.factories import count_rows, make_item, make_location, receive

    username = make_user("supervisor")
    client.post("/login", data={"username": username, "password": PASSWORD})
    make_item(app, sku="WAX", unit="g")
    code = receive(app, username, "WAX", make_location(app))
    refused = client.post(f"/lots/{code}/status",
                          data={"status": "quarantine", "idempotency_key": "k-1"})
    assert refused.status_code == 302 and _error_flashed(client)
    assert count_rows(app, IdempotencyRecord) == 0

    client.post(f"/lots/{code}/status", data={"status": "quarantine"})  # refused, no key:
    # its message waits in the session while the next form is accepted
    accepted = client.post(f"/lots/{code}/status", data={
        "status": "quarantine", "reason": "smells off", "idempotency_key": "k-1"})
    assert accepted.status_code == 302 and "Idempotent-Replayed" not in accepted.headers
    assert count_rows(app, IdempotencyRecord) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(Lot.status).where(Lot.code == code)) == \
            "quarantine"
    replayed = client.post(f"/lots/{code}/status", data={
        "status": "quarantine", "reason": "smells off", "idempotency_key": "k-1"})
    assert replayed.headers["Idempotent-Replayed"] == "true"


def test_a_nul_character_in_a_form_or_a_path_is_refused_not_a_server_error(
        app, client, make_user):
    """Found by the form fuzz on PostgreSQL, which cannot store or even look up text with
    a NUL: a form field, a query or a path with one was a 500. Refused (422) before the
    view, as on the API; nothing is stored (SQLite would have kept it)."""
    client.post("/login", data={"username": make_user("supervisor"), "password": PASSWORD})
    snapshot = Snapshot(app)
    before = snapshot.take()
    for path, body in (("/items/new", {"sku": "NUL\x00", "name": "x", "kind": "material",
                                       "unit": "g"}),
                       ("/items/new", {"sku": "OK", "name": "a\x00b", "kind": "material",
                                       "unit": "g"}),
                       ("/lots/a%00b/status", {"status": "quarantine", "reason": "x"}),
                       ("/moves/new?lot=%00", {"lot": "L1"})):
        response = client.post(path, data=body)
        assert response.status_code == 422, (path, response.status_code)
        assert "cannot be stored" in response.get_data(as_text=True)
    assert client.get("/items?q=%00").status_code == 422
    assert Snapshot.changed(before, snapshot.take()) == []
