"""`GET /api/v1/openapi.json`: the JSON API described as OpenAPI 3.1
(docs/ARCHITECTURE.md, "Contracts").

The document is plain data built by the small helpers below. It is kept true by tests, not
by hope: tests/functional/test_openapi.py checks that every API route is described here and
every path described here exists (with the role each one needs), and that real responses
match their schemas; tests/functional/test_api_fuzz.py sends generated and hostile requests
to every operation and refuses any server error or any answer the document does not allow.

Response objects are closed (`additionalProperties: false`): a field added to a serializer
without its description here fails those tests, so the description cannot quietly fall
behind. Request bodies stay open, because the server ignores fields it does not know.
"""

from __future__ import annotations

from functools import cache

from shopfloor.access import public
from shopfloor.api import bp
from shopfloor.domain.fefo import POLICIES as PICKING_POLICIES
from shopfloor.domain.units import UNIT_CHOICES
from shopfloor.http.idempotency import HEADER as IDEMPOTENCY_HEADER
from shopfloor.http.idempotency import MAX_KEY_LENGTH
from shopfloor.labels.layouts import LABEL_SIZES
from shopfloor.models.master import ITEM_KINDS, LOCATION_KINDS
from shopfloor.models.production import ORDER_STATUSES
from shopfloor.models.purchasing import PO_STATUSES
from shopfloor.models.stock import LOT_ORIGINS, LOT_STATUSES, MOVE_REASONS
from shopfloor.models.users import ROLES
from shopfloor.services.reports import CATEGORIES as VALUATION_CATEGORIES
from shopfloor.services.stock import STATUS_ACTIONS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
MEDIA_TYPE = "application/json"


@bp.get("/openapi.json")
@public
def openapi():
    return document()


# --- schema helpers ------------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def text(max_length: int | None = None, **extra) -> dict:
    schema: dict = {"type": "string", **extra}
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def nullable(schema: dict) -> dict:
    """The schema, or null."""
    if "type" in schema and not {"$ref", "enum", "const", "anyOf"} & set(schema):
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*kinds, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


def enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


def closed(properties: dict, optional: dict | None = None, description: str | None = None
           ) -> dict:
    """A response object: exactly these properties, all present, plus `optional` ones that
    appear only sometimes."""
    schema: dict = {"type": "object", "properties": {**properties, **(optional or {})},
                    "required": list(properties), "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def body(required: dict, optional: dict | None = None, **extra) -> dict:
    """A request object. Optional fields may also be sent as null, which means "not given".
    Unknown fields are ignored."""
    properties = {**required, **{name: nullable(schema)
                                 for name, schema in (optional or {}).items()}}
    schema: dict = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


# --- components ----------------------------------------------------------------------------

CODE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._/-]*$"
MAX_MAGNITUDE = 10**12
# What the server reads as a number: plain decimal notation, a decimal comma, a modest
# exponent. Never a float: JSON numbers are read exactly, as decimals.
DECIMAL_INPUT_PATTERN = (
    r"^\s*[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?\s*$")


def _scalars() -> dict:
    return {
        "Quantity": text(pattern=r"^[0-9]+\.[0-9]{3,}$", examples=["12.500"], description=(
            "A quantity in the item's base unit as a decimal string with at least three "
            "decimals, more when the value needs them (\"0.000125\"). Never a float.")),
        "SignedQuantity": text(pattern=r"^-?[0-9]+\.[0-9]{3,}$", examples=["-2.000"],
                               description="A quantity that may be negative (a difference)."),
        "Money": text(pattern=r"^[0-9]+\.[0-9]{2,}$", examples=["4.20", "0.004200"],
                      description=("Money as a decimal string with at least two decimals; a "
                                   "cost per gram keeps up to six.")),
        "SignedMoney": text(pattern=r"^-?[0-9]+\.[0-9]{2,}$", examples=["-12.50"],
                            description="Money that may be negative (a net balance)."),
        "DateTime": text(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
                         examples=["2026-11-26T09:30:00"],
                         description="ISO 8601 date and time, UTC, to the second."),
        "DecimalText": text(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["12.5"],
                            description="A decimal number as typed, without trailing zeros."),
        "Date": text(format="date", examples=["2026-12-31"], description="ISO 8601 date."),
        "DecimalInput": {
            "anyOf": [text(pattern=DECIMAL_INPUT_PATTERN),
                      {"type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE}],
            "examples": ["12.5", "12,5", 3],
            "description": ("A decimal number: a string (\"12.5\", or \"12,5\" with a decimal "
                            "comma) or a JSON number, which is read exactly, never as a "
                            "float. At most six decimal places; magnitude at most 10^12."),
        },
        "UnitInput": {**enum(UNIT_CHOICES), "description": (
            "A unit compatible with the item's base unit (kg for a g item; ml for a g item "
            "with a density). Common spellings such as \"kilo\" or \"pieces\" are accepted.")},
    }


def _errors() -> dict:
    return {
        "Error": closed({"error": closed(
            {"code": text(examples=["invalid"], description=(
                "invalid, not_found, conflict, insufficient_stock, not_first, expired, "
                "quarantine, rejected, unauthorized, forbidden, bad_request, csrf, "
                "too_large, …")),
             "message": text(description="What is wrong, in the user's language."),
             "field": nullable(text(description="The request field at fault, if one is."))},
            {"details": {"type": "object", "description": (
                "More about the refusal: the shortages of a release, the first-expiring lot "
                "of a refused pick, what is available of a lot.")}})},
            description='Every refusal: `{"error": {"code", "message", "field"}}`.'),
    }


def _master_data() -> dict:
    return {
        "Me": closed({"username": text(), "role": enum(ROLES), "locale": nullable(text())}),
        "Item": closed({
            "sku": text(40), "name": text(200), "kind": enum(ITEM_KINDS),
            "unit": enum(UNIT_CHOICES), "reorder_point": ref("Quantity"),
            "reorder_quantity": ref("Quantity"), "default_supplier": nullable(text()),
            "shelf_life_days": nullable({"type": "integer", "minimum": 0}),
            "gtin": nullable(text(14)), "density": nullable(ref("Quantity")),
            "price": nullable(ref("Money")), "archived": {"type": "boolean"}}),
        "Party": closed({
            "id": {"type": "integer"}, "name": text(200), "contact": nullable(text()),
            "email": nullable(text()), "phone": nullable(text()), "address": nullable(text()),
            "notes": nullable(text()), "archived": {"type": "boolean"}},
            description="A supplier or a customer."),
        "Location": closed({"code": text(40), "name": text(200),
                            "kind": enum((*LOCATION_KINDS, "wip")),
                            "archived": {"type": "boolean"}}),
        "ItemInput": body(
            {"sku": text(40, minLength=1, pattern=CODE_PATTERN), "name": text(200, minLength=1),
             "kind": enum(ITEM_KINDS), "unit": ref("UnitInput")},
            _item_optional(),
            examples=[{"sku": "WAX-SOY", "name": "Soy wax flakes", "kind": "material",
                       "unit": "g", "reorder_point": "10000", "shelf_life_days": 730}]),
        "ItemPatch": body({}, {"sku": text(40, pattern=CODE_PATTERN), "name": text(200),
                               "kind": enum(ITEM_KINDS), "unit": ref("UnitInput"),
                               **_item_optional()},
                          examples=[{"reorder_point": "12000", "price": "18.50"}]),
        "PartyInput": body({"name": text(200, minLength=1)}, _party_optional(),
                           examples=[{"name": "CeraPura Waxes", "contact": "Ioana Pop",
                                      "email": "orders@cerapura.example"}]),
        "PartyPatch": body({}, {"name": text(200), **_party_optional()},
                           examples=[{"phone": "+40 21 555 0101"}]),
        "LocationInput": body(
            {"code": text(40, minLength=1, pattern=CODE_PATTERN), "name": text(200, minLength=1)},
            {"kind": enum(LOCATION_KINDS), "archived": {"type": "boolean"}},
            examples=[{"code": "RAW-B1", "name": "Raw materials, shelf B1"}]),
        "LocationPatch": body({}, {"code": text(40, pattern=CODE_PATTERN), "name": text(200),
                                   "kind": enum(LOCATION_KINDS),
                                   "archived": {"type": "boolean"}},
                              examples=[{"name": "Raw materials, top shelf"}]),
    }


def _item_optional() -> dict:
    return {
        "reorder_point": ref("DecimalInput"), "reorder_quantity": ref("DecimalInput"),
        "default_supplier": text(200, description="A supplier's name."),
        "shelf_life_days": {"type": ["integer", "string"], "minimum": 0, "maximum": 36500,
                            "pattern": "^[0-9]+$"},
        "gtin": text(20, description="GTIN-8/12/13/14 with a valid check digit."),
        "density": ref("DecimalInput"), "price": ref("DecimalInput"),
        "archived": {"type": "boolean"},
    }


def _party_optional() -> dict:
    return {"contact": text(200), "email": text(200), "phone": text(50),
            "address": text(2000), "notes": text(2000), "archived": {"type": "boolean"}}


def _locations_of() -> dict:
    return array(closed({"location": text(), "quantity": ref("Quantity")}))


def _stock() -> dict:
    lot_facts = _lot_facts()
    alert_lot = closed({"lot": text(), "item": text(), "expiry": ref("Date"),
                        "quantity": ref("Quantity")})
    return {
        "Lot": closed({
            "code": text(), "item": text(), "item_name": text(), "unit": enum(UNIT_CHOICES),
            "quantity": ref("Quantity"), "available": ref("Quantity"),
            "locations": _locations_of(), "expiry": nullable(ref("Date")),
            "expiry_status": enum(("none", "expired", "soon", "ok")),
            "received_on": ref("Date"), "status": enum(LOT_STATUSES),
            "status_reason": nullable(text()), "unit_cost": ref("Money"),
            "origin": enum(LOT_ORIGINS), "supplier": nullable(text()),
            "supplier_lot": nullable(text()), "url": text(format="uri")},
            description="A lot: `item` and `location` are codes; `unit_cost` per base unit."),
        "Receipt": closed({"lot": ref("Lot"), "label_url": text(format="uri")}),
        "ReceiptInput": body(
            {"item": text(40, minLength=1), "quantity": ref("DecimalInput"),
             "location": text(40, minLength=1), "unit_cost": ref("DecimalInput")},
            {"unit": ref("UnitInput"), "supplier": text(200), "supplier_lot": text(80),
             "expiry": ref("Date"), "lot_code": text(80),
             "purchase_order_line": {
                 "type": ["integer", "string"], "minimum": 1, "pattern": "^[0-9]+$",
                 "description": "The purchase order line this receipt delivers."},
             "accept_expired": {"type": "boolean", "description": (
                 "A supervisor accepts an already-expired lot; it arrives in quarantine.")}},
            description=("`unit_cost` is per the receipt's `unit` (the item's base unit when "
                         "absent); the lot keeps it per base unit."),
            examples=[{"item": "WAX-SOY", "quantity": "20", "unit": "kg",
                       "location": "RAW-A1", "unit_cost": "4.20",
                       "supplier_lot": "CP-24-1187", "expiry": "2027-12-31"}]),
        "LotStatusInput": body(
            {"status": enum(STATUS_ACTIONS), "reason": text(500, minLength=1)},
            examples=[{"status": "quarantine", "reason": "supplier recall notice"}]),
        "Move": closed({"id": {"type": "integer"}, "lot": text(), "from": text(),
                        "to": text(), "quantity": ref("Quantity"),
                        "reason": enum(MOVE_REASONS)}),
        "MoveInput": body({"lot": text(80, minLength=1), "from": text(40, minLength=1),
                           "to": text(40, minLength=1), "quantity": ref("DecimalInput")},
                          examples=[{"lot": "L-0001", "from": "RAW-A1", "to": "RAW-A2",
                                     "quantity": "500"}]),
        "Count": closed({"id": {"type": "integer"}, "lot": text(), "location": text(),
                         "expected_quantity": ref("Quantity"),
                         "counted_quantity": ref("Quantity"),
                         "adjustment": ref("SignedQuantity")}),
        "CountInput": body({"lot": text(80, minLength=1), "location": text(40, minLength=1),
                            "counted_quantity": ref("DecimalInput")},
                           {"reason": text(500)},
                           examples=[{"lot": "L-0001", "location": "RAW-A1",
                                      "counted_quantity": "19500", "reason": "weekly count"}]),
        "Stock": closed({
            "item": text(), "unit": enum(UNIT_CHOICES), "on_hand": ref("Quantity"),
            "reserved": ref("Quantity"), "available": ref("Quantity"), "value": ref("Money"),
            "lots": array(closed({
                "code": text(), "expiry": nullable(ref("Date")), "status": enum(LOT_STATUSES),
                "quantity": ref("Quantity"), "available": ref("Quantity"),
                "locations": _locations_of()}))},
            description="An item's stock, lots in FEFO order."),
        "Alerts": closed({
            "low_stock": array(closed({
                "item": text(), "name": text(), "unit": enum(UNIT_CHOICES),
                "available": ref("Quantity"), "reorder_point": ref("Quantity"),
                "suggested_quantity": ref("Quantity")})),
            "expiring": array(alert_lot), "expired": array(alert_lot)}),
        "Scan": closed({"type": enum(("lot", "item", "location", "order")), "key": text(),
                        "url": text(format="uri-reference")}),
        "Gs1Fields": closed({
            "item": nullable(text()), "gtin": nullable(text()),
            "supplier_lot": nullable(text()), "expiry": nullable(ref("Date")),
            "quantity": nullable(ref("DecimalText")), "unit": nullable(text())},
            description="A supplier's GS1 barcode read as receipt fields."),
        "LotFacts": closed(lot_facts),
    }


def _lot_facts() -> dict:
    return {"code": text(), "item": text(), "item_name": text(), "unit": enum(UNIT_CHOICES),
            "origin": enum(LOT_ORIGINS), "status": enum(LOT_STATUSES),
            "expiry": nullable(ref("Date")), "received_on": ref("Date"),
            "supplier": nullable(text()), "supplier_lot": nullable(text())}


def _production() -> dict:
    output_lot = closed({"code": text(), "quantity": ref("Quantity"),
                         "unit_cost": ref("Money"), "total_cost": ref("Money")})
    return {
        "Recipe": closed({
            "product": text(), "version": {"type": "integer", "minimum": 1},
            "yield_quantity": ref("Quantity"), "unit": enum(UNIT_CHOICES),
            "labour_minutes": ref("Quantity"), "labour_rate": ref("Money"),
            "overhead": ref("Money"),
            "lines": array(closed({"item": text(), "quantity": ref("Quantity"),
                                   "unit": enum(UNIT_CHOICES),
                                   "loss_percent": ref("Quantity")}))},
            description="A recipe version; line quantities in each component's base unit."),
        "RecipeInput": body(
            {"product": text(40, minLength=1), "yield_quantity": ref("DecimalInput"),
             "lines": array(body({"item": text(40, minLength=1),
                                  "quantity": ref("DecimalInput")},
                                 {"unit": ref("UnitInput"),
                                  "loss_percent": ref("DecimalInput")}), minItems=1)},
            {"unit": ref("UnitInput"), "labour_minutes": ref("DecimalInput"),
             "labour_rate": ref("DecimalInput"), "overhead": ref("DecimalInput"),
             "notes": text(2000)},
            examples=[{"product": "BASE-LAV", "yield_quantity": "1", "unit": "kg",
                       "lines": [{"item": "WAX-SOY", "quantity": "940", "unit": "g"},
                                 {"item": "OIL-LAV", "quantity": "60", "unit": "ml",
                                  "loss_percent": "3"}],
                       "labour_minutes": "20", "labour_rate": "24", "overhead": "0.80"}]),
        "OutputLot": output_lot,
        "ProductionOrder": closed({
            "number": text(), "status": enum(ORDER_STATUSES), "product": text(),
            "recipe_version": {"type": "integer"}, "quantity": ref("Quantity"),
            "unit": enum(UNIT_CHOICES), "due_date": nullable(ref("Date")),
            "requirements": array(closed({
                "item": text(), "required": ref("Quantity"), "available": ref("Quantity"),
                "shortage": ref("Quantity"), "picked": ref("Quantity"),
                "reserved": ref("Quantity")}))},
            {"output_lot": ref("OutputLot")},
            description="`output_lot` appears once the order is completed."),
        "ProductionOrderInput": body(
            {"product": text(40, minLength=1), "quantity": ref("DecimalInput")},
            {"due_date": ref("Date")},
            examples=[{"product": "CANDLE-LAV", "quantity": "10", "due_date": "2026-12-31"}]),
        "Suggestions": closed({"number": text(), "requirements": array(closed({
            "item": text(), "remaining": ref("Quantity"), "shortage": ref("Quantity"),
            "lots": array(closed({"lot": text(), "location": text(),
                                  "quantity": ref("Quantity"),
                                  "expiry": nullable(ref("Date"))}))}))},
            description="FEFO lots covering what each requirement still needs."),
        "Pick": closed({"order": text(), "lot": text(), "location": text(),
                        "quantity": ref("Quantity"), "override_reason": nullable(text()),
                        "remaining": ref("Quantity")}),
        "PickInput": body({"lot": text(80, minLength=1)},
                          {"location": text(40), "quantity": ref("DecimalInput"),
                           "override_reason": text(500, description=(
                               "Required to pick a lot that is not the first to expire."))},
                          examples=[{"lot": "L-0001", "location": "RAW-A1",
                                     "quantity": "940"}]),
        "Completion": closed({
            "number": text(), "status": enum(ORDER_STATUSES), "output_lot": ref("OutputLot"),
            "label_url": text(format="uri"),
            "consumed": array(closed({"lot": text(), "quantity": ref("Quantity"),
                                      "cost": ref("Money")}))}),
        "CompletionInput": body(
            {"quantity": ref("DecimalInput")},
            {"lot_code": text(80), "expiry": ref("Date"), "location": text(40),
             "consumed": array(body({"item": text(40, minLength=1),
                                     "quantity": ref("DecimalInput")}), description=(
                 "What was really used of each component, when not the recipe's share."))},
            examples=[{"quantity": "10", "location": "FG-1"}]),
        "Planning": array(closed({
            "item": text(), "unit": enum(UNIT_CHOICES), "required": ref("Quantity"),
            "on_hand": ref("Quantity"), "shortage": ref("Quantity"),
            "orders": array(text()), "blocked": array(text())})),
    }


def _traceability() -> dict:
    shipment_row = closed({"shipment": text(), "customer": text(), "date": ref("Date"),
                           "reference": nullable(text()), "lot": text(),
                           "quantity": ref("Quantity")})
    balance = closed({name: ref("SignedQuantity" if name in ("adjusted", "discrepancy")
                                else "Quantity")
                      for name in ("received", "consumed", "shipped", "adjusted", "scrapped",
                                   "on_hand", "discrepancy")})
    return {
        "Shipment": closed({"number": text(), "customer": text(),
                            "reference": nullable(text()), "date": ref("Date"),
                            "lines": array(closed({"lot": text(), "item": text(),
                                                   "location": text(),
                                                   "quantity": ref("Quantity")}))}),
        "ShipmentInput": body(
            {"customer": text(200, minLength=1, description="A customer's name or id."),
             "lines": array(body({"lot": text(80, minLength=1),
                                  "quantity": ref("DecimalInput")},
                                 {"location": text(40)}), minItems=1)},
            {"reference": text(100), "notes": text(2000)},
            examples=[{"customer": "Casa Verde Shop", "reference": "INV-2026-0412",
                       "lines": [{"lot": "L-0001", "quantity": "12"}]}]),
        "ShipmentRow": shipment_row,
        "TraceNode": closed({"lot": ref("LotFacts"), "quantity": nullable(ref("Quantity")),
                             "children": array(ref("TraceNode"))},
                            {"repeated": {"const": True, "description": (
                                "Shown already elsewhere in this tree: not expanded again.")}},
                            description=("A lot and, below it, its inputs (backward) or what "
                                         "was made from it (forward); `quantity` is what "
                                         "flowed along the link to the parent.")),
        "Trace": closed({"direction": enum(("backward", "forward")),
                         "lot_count": {"type": "integer", "minimum": 1},
                         "tree": ref("TraceNode")},
                        {"shipments": array(ref("ShipmentRow"))},
                        description="`shipments` comes with a forward trace."),
        "Recall": closed({
            "lots_requested": array(text()), "customers": array(text()),
            "balanced": {"type": "boolean"},
            "lots": array(closed({**_lot_facts(), "locations": _locations_of(),
                                  "mass_balance": balance})),
            "shipments": array(ref("ShipmentRow"))},
            description=("Every affected lot with where it is and its mass balance, and "
                         "every shipment that carried any of them.")),
        "RecallQuarantineInput": body(
            {"reason": text(500, minLength=1)},
            {"lots": {"anyOf": [array(text(80)), text()], "description": (
                "Lot codes, as a list or comma-separated.")},
             "lot": text(description="One lot code (or several, comma-separated)."),
             "include_inputs": {"type": "boolean"}},
            examples=[{"lots": ["L-0001"], "reason": "supplier recall notice"}]),
        "RecallQuarantine": closed({"quarantined": array(text())}),
    }


def _business() -> dict:
    """Purchasing, reports, settings, imports and exports (issue 7)."""
    po_line_input = body({"item": text(40, minLength=1), "quantity": ref("DecimalInput")},
                         {"unit": ref("UnitInput"), "unit_price": ref("DecimalInput")})
    return {
        "ReorderSuggestions": array(closed({
            "supplier": nullable(text()),
            "items": array(closed({
                "item": text(), "on_hand": ref("Quantity"), "on_order": ref("Quantity"),
                "reserved": ref("Quantity"), "reorder_point": ref("Quantity"),
                "suggested_quantity": ref("Quantity"), "unit": enum(UNIT_CHOICES),
                "unit_cost": nullable(ref("Money"))}))}),
            description="Items below their reorder point, grouped by default supplier."),
        "PurchaseOrder": closed({
            "number": text(), "supplier": text(), "status": enum(PO_STATUSES),
            "expected_date": nullable(ref("Date")), "notes": nullable(text()),
            "lines": array(closed({
                "id": {"type": "integer"}, "item": text(), "quantity": ref("Quantity"),
                "unit": enum(UNIT_CHOICES), "unit_price": ref("Money"),
                "base_quantity": ref("Quantity"), "base_unit": enum(UNIT_CHOICES),
                "received": ref("Quantity"), "outstanding": ref("Quantity")}))},
            description=("`quantity` and `unit_price` as ordered; `base_quantity`, `received` "
                         "and `outstanding` in the item's base unit.")),
        "PurchaseOrderInput": body(
            {"supplier": text(200, minLength=1, description="A supplier's name or id.")},
            {"expected_date": ref("Date"), "notes": text(2000),
             "lines": array(po_line_input)},
            examples=[{"supplier": "CeraPura Waxes", "expected_date": "2026-12-15",
                       "lines": [{"item": "WAX-SOY", "quantity": "25", "unit": "kg",
                                  "unit_price": "4.20"}]}]),
        "PurchaseOrderPatch": body({}, {
            "expected_date": ref("Date"), "notes": text(2000),
            "lines": array(body({"item": text(40, minLength=1),
                                 "quantity": ref("DecimalInput")},
                                {"id": {"type": "integer"}, "unit": ref("UnitInput"),
                                 "unit_price": ref("DecimalInput")}),
                           description="Replaces every line; a quantity of 0 drops one.")},
            examples=[{"notes": "deliver before noon"}]),
        "FromSuggestionsInput": body({}, {"items": array(text(40), description=(
            "Only these SKUs (all suggestions when absent)."))}, examples=[{}]),
        "Valuation": closed(
            {name: ref("Money") for name in (*VALUATION_CATEGORIES, "total")},
            {"items": array(closed({
                "item": text(), "category": enum(VALUATION_CATEGORIES),
                "quantity": ref("Quantity"), "value": ref("Money"),
                "lots": array(closed({"lot": text(), "quantity": ref("Quantity"),
                                      "unit_cost": ref("Money"), "value": ref("Money")}))}))},
            description="Inventory value at lot cost; `items` with `?detail=1`."),
        "Movements": array(closed({
            "id": {"type": "integer"}, "at": ref("DateTime"), "lot": text(), "item": text(),
            "unit": enum(UNIT_CHOICES), "from": nullable(text()), "to": nullable(text()),
            "quantity": ref("Quantity"), "reason": enum(MOVE_REASONS),
            "user": nullable(text()), "note": nullable(text())}),
            description="The ledger, newest first."),
        "Settings": closed({"company_name": text(200), "currency": text(pattern="^[A-Z]{3}$"),
                            "lot_code_pattern": text(80),
                            "default_label_size": enum(LABEL_SIZES),
                            "picking_policy": enum(PICKING_POLICIES)}),
        "SettingsPatch": body({}, {"company_name": text(200, minLength=1),
                                   "currency": text(3, pattern="^[A-Za-z]{3}$"),
                                   "lot_code_pattern": text(80, minLength=1),
                                   "default_label_size": enum(LABEL_SIZES),
                                   "picking_policy": enum(PICKING_POLICIES)},
                              description="Only the settings named change; unknown names are "
                                          "refused.",
                              examples=[{"currency": "RON", "picking_policy": "fefo"}]),
    }


def components() -> dict:
    from shopfloor.api import data

    schemas = _merge(_scalars(), _errors(), _master_data(), _stock(), _production(),
                     _traceability(), _business(), data.openapi_schemas())
    error = {MEDIA_TYPE: {"schema": ref("Error")}}
    return {
        "schemas": schemas,
        "responses": {name: {"description": description, "content": error}
                      for name, description in ERROR_RESPONSES.values()},
        "parameters": {
            "IdempotencyKey": {
                "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
                "schema": text(MAX_KEY_LENGTH),
                "description": ("A repeated key returns the first answer and changes nothing; "
                                "the same key with a different request is refused (422)."),
            },
        },
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": (
                "`flask --app shopfloor tokens create NAME` prints a token. The app's own "
                "pages may call the API with their session cookie instead, sending the CSRF "
                "token in the X-CSRFToken header on writes.")},
        },
    }


# status -> (component name, description)
ERROR_RESPONSES = {
    400: ("BadRequest", "The request could not be read (or, with a session cookie, its CSRF "
                        "token is missing)."),
    401: ("Unauthorized", "No valid token."),
    403: ("Forbidden", "The token's role may not do this."),
    404: ("NotFound", "A code, SKU or number in the request does not exist."),
    409: ("Conflict", "The current state forbids it: already exists, not enough stock, wrong "
                      "status."),
    413: ("TooLarge", "The body is larger than the server accepts."),
    422: ("Invalid", "A field is missing or wrong; `error.field` names it."),
}


# --- operations ----------------------------------------------------------------------------

def _query(name: str, schema: dict, description: str, required: bool = False, **extra) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description, **extra}


def operation(endpoint: str, summary: str, role: str, tag: str, ok: int, result: dict | None,
              *, errors: str = "", request: str | None = None, query: tuple = (),
              content: dict | None = None, request_content: dict | None = None,
              idempotent: bool | None = None) -> dict:
    """One operation. `role` is the least role allowed ("public" for none); 401 and 403 follow
    from it, and 400, 413 and 422 from taking a body or an Idempotency-Key. `errors` lists
    other refusals. `request` names a JSON body's schema (`request_content` gives other
    media types); `content` gives the answer's media types when it is not only JSON."""
    statuses = {int(code) for code in errors.split()}
    parameters = list(query)
    op: dict = {"operationId": endpoint, "summary": summary, "tags": [tag],
                "x-shopfloor-role": role}
    if request is not None:
        request_content = {MEDIA_TYPE: {"schema": ref(request)}}
    if request_content is not None:
        op["requestBody"] = {"required": True, "content": request_content}
        statuses |= {400, 413, 422}
    if idempotent is None:
        idempotent = request_content is not None or endpoint in _BODYLESS_COMMANDS
    if idempotent:
        statuses |= {400, 413, 422}
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if role == "public":
        op["security"] = []
    else:
        statuses.add(401)
        if role != "operator":
            statuses.add(403)
    if parameters:
        op["parameters"] = parameters
    responses: dict = {str(ok): {"description": summary}}
    if content is not None:
        responses[str(ok)]["content"] = content
    elif result is not None:
        responses[str(ok)]["content"] = {MEDIA_TYPE: {"schema": result}}
    for status in sorted(statuses):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
    op["responses"] = responses
    return op


# Commands without a body still take an Idempotency-Key (and refuse a bad one with 422).
_BODYLESS_COMMANDS = {"release_order", "cancel_order", "send_purchase_order",
                      "cancel_purchase_order"}


def _path_parameter(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": text(200, minLength=1), "description": description}


def _merge(*parts: dict) -> dict:
    """Paths or schemas described in several modules, none described twice."""
    merged: dict = {}
    for part in parts:
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"described twice: {', '.join(sorted(twice))}")
        merged.update(part)
    return merged


def paths() -> dict:
    from shopfloor.api import data

    return _merge(_core_paths(), _business_paths(), data.openapi_paths())


def _core_paths() -> dict:
    sku = _path_parameter("sku", "The item's SKU.")
    code = _path_parameter("code", "The lot's code.")
    number = _path_parameter("number", "The production order's number (MO-000001).")
    search = _query("q", text(), "Part of the name (or SKU or GTIN of an item).")
    parties = {}
    for path, noun in (("suppliers", "supplier"), ("customers", "customer")):
        key = {**_path_parameter("key", f"The {noun}'s id or exact name."),
               "schema": {"anyOf": [{"type": "integer", "minimum": 1}, text(200, minLength=1)]}}
        parties[f"/{path}"] = {
            "get": operation(f"list_{path}", f"List {path}", "operator", "Master data", 200,
                             array(ref("Party")), query=(search,)),
            "post": operation(f"create_{path}", f"Create a {noun}", "supervisor",
                              "Master data", 201, ref("Party"), errors="409",
                              request="PartyInput"),
        }
        parties[f"/{path}/{{key}}"] = {
            "parameters": [key],
            "get": operation(f"get_{path}", f"A {noun}", "operator", "Master data", 200,
                             ref("Party"), errors="404"),
            "patch": operation(f"update_{path}", f"Change a {noun}", "supervisor",
                               "Master data", 200, ref("Party"), errors="404 409",
                               request="PartyPatch"),
        }
    order_commands = {
        "release": ("release_order", "Release: reserve every requirement (409 with the "
                                     "shortages)", "supervisor", 200, "ProductionOrder", None),
        "picks": ("create_pick", "Pick a lot into the order's work in progress", "operator",
                  201, "Pick", "PickInput"),
        "complete": ("complete_order", "Complete: consume, return the rest, make the output "
                                       "lot", "operator", 200, "Completion", "CompletionInput"),
        "cancel": ("cancel_order", "Cancel: release reservations and return picked stock",
                   "supervisor", 200, "ProductionOrder", None),
    }
    return {
        "/openapi.json": {"get": operation(
            "openapi", "This description of the API", "public", "Meta", 200,
            {"type": "object"})},
        "/me": {"get": operation("me", "Who the token acts as", "operator", "Meta", 200,
                                 ref("Me"))},
        "/items": {
            "get": operation("list_items", "List items", "operator", "Master data", 200,
                             array(ref("Item")), errors="422", query=(
                                 _query("kind", enum(ITEM_KINDS), "Only items of this kind."),
                                 search,
                                 _query("archived", enum(("0", "1")),
                                        "1 to include archived items."))),
            "post": operation("create_item", "Create an item", "supervisor", "Master data",
                              201, ref("Item"), errors="404 409", request="ItemInput"),
        },
        "/items/{sku}": {
            "parameters": [sku],
            "get": operation("get_item", "An item", "operator", "Master data", 200,
                             ref("Item"), errors="404"),
            "patch": operation("update_item", "Change an item", "supervisor", "Master data",
                               200, ref("Item"), errors="404 409", request="ItemPatch"),
        },
        **parties,
        "/locations": {
            "get": operation("list_locations", "List locations", "operator", "Master data",
                             200, array(ref("Location")), query=(
                                 _query("kind", enum((*LOCATION_KINDS, "wip")),
                                        "Only locations of this kind."),)),
            "post": operation("create_location", "Create a location", "supervisor",
                              "Master data", 201, ref("Location"), errors="409",
                              request="LocationInput"),
        },
        "/locations/{code}": {
            "parameters": [_path_parameter("code", "The location's code.")],
            "get": operation("get_location", "A location", "operator", "Master data", 200,
                             ref("Location"), errors="404"),
            "patch": operation("update_location", "Change a location", "supervisor",
                               "Master data", 200, ref("Location"), errors="404 409",
                               request="LocationPatch"),
        },
        "/receipts": {"post": operation(
            "create_receipt", "Receive a lot", "operator", "Stock", 201, ref("Receipt"),
            errors="404 409", request="ReceiptInput")},
        "/lots/{code}": {"parameters": [code], "get": operation(
            "get_lot", "A lot", "operator", "Stock", 200, ref("Lot"), errors="404")},
        "/lots/{code}/status": {"parameters": [code], "post": operation(
            "set_lot_status", "Quarantine, release or reject a lot", "supervisor", "Stock",
            200, ref("Lot"), errors="404 409", request="LotStatusInput")},
        "/moves": {"post": operation(
            "create_move", "Move stock between locations", "operator", "Stock", 201,
            ref("Move"), errors="404 409", request="MoveInput")},
        "/counts": {"post": operation(
            "create_count", "Record a stock count (the difference becomes an adjustment)",
            "operator", "Stock", 201, ref("Count"), errors="404", request="CountInput")},
        "/stock": {"get": operation(
            "get_stock", "An item's stock: on hand, reserved, available, lots", "operator",
            "Stock", 200, ref("Stock"), errors="404 422",
            query=(_query("item", text(minLength=1), "The item's SKU.", required=True),))},
        "/alerts": {"get": operation(
            "get_alerts", "Low stock with a suggested order quantity; lots expiring soon",
            "operator", "Stock", 200, ref("Alerts"))},
        "/scan": {"get": operation(
            "resolve_scan", "What a scanned code is", "operator", "Scanning", 200,
            ref("Scan"), errors="404 422",
            query=(_query("code", text(minLength=1), "The scanned text.", required=True),))},
        "/gs1": {"get": operation(
            "parse_gs1_code", "A supplier's GS1 barcode as receipt fields", "operator",
            "Scanning", 200, ref("Gs1Fields"), errors="422",
            query=(_query("code", text(minLength=1), "The scanned GS1 text.",
                          required=True),))},
        "/recipes": {"post": operation(
            "create_recipe", "Create a new recipe version", "supervisor", "Production", 201,
            ref("Recipe"), errors="404 409", request="RecipeInput")},
        "/recipes/{sku}": {"parameters": [sku], "get": operation(
            "get_recipe", "The current recipe of a product", "operator", "Production", 200,
            ref("Recipe"), errors="404")},
        "/production-orders": {"post": operation(
            "create_order", "Plan a production order (draft)", "supervisor", "Production",
            201, ref("ProductionOrder"), errors="404", request="ProductionOrderInput")},
        "/production-orders/{number}": {"parameters": [number], "get": operation(
            "get_order", "A production order", "operator", "Production", 200,
            ref("ProductionOrder"), errors="404")},
        "/production-orders/{number}/suggestions": {"parameters": [number], "get": operation(
            "order_suggestions", "FEFO lots to pick", "operator", "Production", 200,
            ref("Suggestions"), errors="404")},
        **{f"/production-orders/{{number}}/{verb}": {"parameters": [number], "post": operation(
            endpoint, summary, role, "Production", ok, ref(result), errors="404 409",
            request=request)}
           for verb, (endpoint, summary, role, ok, result, request) in order_commands.items()},
        "/planning": {"get": operation(
            "get_planning", "What open orders still need, against stock", "operator",
            "Production", 200, ref("Planning"))},
        "/shipments": {"post": operation(
            "create_shipment", "Ship lots to a customer", "operator", "Shipping", 201,
            ref("Shipment"), errors="404 409", request="ShipmentInput")},
        "/shipments/{number}": {
            "parameters": [_path_parameter("number", "The shipment's number (SH-000001).")],
            "get": operation("get_shipment", "A shipment", "operator", "Shipping", 200,
                             ref("Shipment"), errors="404")},
        "/lots/{code}/trace": {
            "parameters": [{**code, "description": "The lot's code (it may contain /)."}],
            "get": operation("trace_lot", "The genealogy tree of a lot", "operator",
                             "Traceability", 200, ref("Trace"), errors="404 422", query=(
                                 _query("direction", {**enum(("backward", "forward")),
                                                      "default": "backward"},
                                        "Backward to inputs or forward to what was made "
                                        "from it and where it went."),))},
        "/recall": {"get": operation(
            "get_recall", "Recall report: every affected lot and shipment", "supervisor",
            "Traceability", 200, ref("Recall"), errors="404 422", query=(
                _query("lot", array(text(minLength=1), minItems=1),
                       "Lot codes (repeat the parameter or separate with commas).",
                       required=True, style="form", explode=True),
                _query("include_inputs", enum(("0", "1", "true", "false")),
                       "Also go back to the supplier lots first.")))},
        "/recall/quarantine": {"post": operation(
            "quarantine_recall", "Quarantine every affected lot that still has stock",
            "supervisor", "Traceability", 200, ref("RecallQuarantine"), errors="404",
            request="RecallQuarantineInput")},
    }


def _business_paths() -> dict:
    number = _path_parameter("number", "The purchase order's number (PO-000001).")
    tag = "Purchasing"
    return {
        "/reorder-suggestions": {"get": operation(
            "get_reorder_suggestions", "What to buy, by supplier", "supervisor", tag, 200,
            ref("ReorderSuggestions"))},
        "/purchase-orders/from-suggestions": {"post": operation(
            "create_purchase_orders_from_suggestions", "Draft purchase orders from the "
            "reorder suggestions, one per supplier", "supervisor", tag, 201,
            array(ref("PurchaseOrder")), errors="409", request="FromSuggestionsInput")},
        "/purchase-orders": {
            "get": operation("list_purchase_orders", "List purchase orders, newest first",
                             "supervisor", tag, 200, array(ref("PurchaseOrder")), query=(
                                 _query("status", enum(PO_STATUSES), "Only this status."),)),
            "post": operation("create_purchase_order", "Create a draft purchase order",
                              "supervisor", tag, 201, ref("PurchaseOrder"), errors="404",
                              request="PurchaseOrderInput"),
        },
        "/purchase-orders/{number}": {
            "parameters": [number],
            "get": operation("get_purchase_order", "A purchase order", "supervisor", tag, 200,
                             ref("PurchaseOrder"), errors="404"),
            "patch": operation("update_purchase_order", "Change a draft purchase order",
                               "supervisor", tag, 200, ref("PurchaseOrder"),
                               errors="404 409", request="PurchaseOrderPatch"),
        },
        "/purchase-orders/{number}/send": {"parameters": [number], "post": operation(
            "send_purchase_order", "Mark a draft as sent", "supervisor", tag, 200,
            ref("PurchaseOrder"), errors="404 409")},
        "/purchase-orders/{number}/cancel": {"parameters": [number], "post": operation(
            "cancel_purchase_order", "Cancel an open purchase order", "supervisor", tag, 200,
            ref("PurchaseOrder"), errors="404 409")},
        "/reports/valuation": {"get": operation(
            "valuation_report", "Inventory value: materials, intermediates, WIP, finished",
            "supervisor", "Reports", 200, ref("Valuation"), query=(
                _query("detail", enum(("0", "1", "true", "false")),
                       "1 to add each item and lot."),))},
        "/reports/movements": {"get": operation(
            "movements_report", "The movement history, filtered", "supervisor", "Reports",
            200, ref("Movements"), errors="422", query=(
                _query("item", text(), "Only this SKU."),
                _query("lot", text(), "Only this lot."),
                _query("location", text(), "Only moves into or out of this location."),
                _query("reason", enum(MOVE_REASONS), "Only this kind of move."),
                _query("user", text(), "Only moves by this user."),
                _query("from", ref("Date"), "From this day."),
                _query("to", ref("Date"), "Up to this day, included."),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000,
                                 "default": 100}, "At most this many moves."),
                _query("before", {"type": "integer", "minimum": 1},
                       "Only moves older than this id (the next page)."),
            ))},
        "/settings": {
            "get": operation("get_settings", "The workshop's settings", "admin", "Settings",
                             200, ref("Settings")),
            "patch": operation("update_settings", "Change settings", "admin", "Settings", 200,
                               ref("Settings"), request="SettingsPatch"),
        },
    }


DESCRIPTION = """\
The JSON API of Shopfloor: inventory, production and traceability for small batch
manufacturers.

* Authentication: `Authorization: Bearer <token>`.
* Quantities and money are decimal strings (`"12.500"`), never floats; in requests a JSON
  number is read exactly, as a decimal. Dates are ISO 8601 (`2026-12-31`).
* Items, lots, locations and orders are named by their business codes, not ids.
* Every state-changing request may carry an `Idempotency-Key`: a repeated key returns the
  first answer and changes nothing.
* Every refusal is `{"error": {"code", "message", "field"}}` (with `details` when there is
  more to say) and changes nothing.
"""


@cache
def document() -> dict:
    """The whole description, built once per process."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Shopfloor API", "version": API_VERSION,
                 "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in (
            "Master data", "Stock", "Scanning", "Production", "Shipping", "Traceability",
            "Purchasing", "Reports", "Data", "Settings", "Meta")],
        "paths": paths(),
        "components": components(),
    }
