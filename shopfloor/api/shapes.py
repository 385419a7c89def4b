"""Every shape the JSON API takes and gives, declared once (pydantic models).

A request body is read through its model before the handler runs (`read`): a field the
model does not declare is refused (422 naming it), as is a value of the wrong form (the
field types of `shopfloor.api.types`). The OpenAPI document (`shopfloor.api.openapi`) is
generated from these same models, so what it says a request takes is what the server
takes. Answers are built by the handlers' serializers and described here; the contract
tests check each real answer against its description (tests/functional/test_openapi.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    RootModel,
    WithJsonSchema,
    create_model,
)
from pydantic import ValidationError as ShapeError

from shopfloor.api import types as T
from shopfloor.domain import fefo
from shopfloor.domain import sales as sales_rules
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.labels.layouts import LABEL_SIZES
from shopfloor.models.master import ITEM_KINDS, LOCATION_KINDS
from shopfloor.models.printing import PRINTER_KINDS
from shopfloor.models.production import ORDER_STATUSES
from shopfloor.models.purchasing import PO_STATUSES
from shopfloor.models.stock import LOT_ORIGINS, LOT_STATUSES, MOVE_REASONS
from shopfloor.models.users import ROLES
from shopfloor.services import exports, imports, settings
from shopfloor.services.reports import CATEGORIES as VALUATION_CATEGORIES
from shopfloor.services.stock import STATUS_ACTIONS

# What a SKU or a location code may look like when one is made.
CODE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._/-]*$"
# Sent with a form by the app's own pages and the offline outbox; not part of any request.
FORM_ONLY_FIELDS = ("csrf_token", "idempotency_key")


def _nullable_optionals(schema: dict, model) -> None:
    """An optional field may also be sent as null, which means "not given"."""
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        if name not in required:
            schema["properties"][name] = {"anyOf": [prop, {"type": "null"}]}


class Body(BaseModel):
    """A request body: exactly the fields declared, every other one refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_nullable_optionals)


def _examples(*examples: dict) -> ConfigDict:
    def extra(schema: dict, model) -> None:
        _nullable_optionals(schema, model)
        schema["examples"] = list(examples)

    return ConfigDict(extra="forbid", json_schema_extra=extra)


class Answer(BaseModel):
    """An answer: exactly these fields (those with a default appear only sometimes)."""

    model_config = ConfigDict(extra="forbid")


def read(model: type[Body], data: Any) -> Any:
    """`data` checked against `model`, returned as it was sent (the services read it).
    The first problem is refused with the API's error, naming the field by its path
    (`lines[1].quantity`)."""
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in FORM_ONLY_FIELDS} \
            if any(k in FORM_ONLY_FIELDS for k in data) else data
    try:
        model.model_validate(data)
    except ShapeError as refused:
        problem = refused.errors(include_url=False)[0]
        field = _path(problem["loc"])
        if problem["type"] in ("model_type", "model_attributes_type") and not problem["loc"]:
            raise ValidationError(t("the body must be a JSON object"), field=None) from None
        raise ValidationError(T.message(problem["type"], field or "body",
                                        problem.get("ctx") or {}),
                              field=field) from None
    return data


def _path(loc: tuple) -> str | None:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path or None


def optional(kind):
    return Annotated[kind, Field(default=None)]


# --- errors -------------------------------------------------------------------------------

class ErrorBody(Answer):
    code: Annotated[str, Field(examples=["invalid"], description=(
        "invalid, not_found, conflict, insufficient_stock, not_first, expired, quarantine, "
        "rejected, unauthorized, forbidden, bad_request, csrf, too_large, …"))]
    message: Annotated[str, Field(description="What is wrong, in the user's language.")]
    field: Annotated[str | None, Field(description="The request field at fault, if one is.")]
    details: Annotated[dict, Field(description=(
        "More about the refusal: the shortages of a release, the first-expiring lot of a "
        "refused pick, what is available of a lot."))] = None


class Error(Answer):
    """Every refusal: `{"error": {"code", "message", "field"}}`."""

    error: ErrorBody


# --- master data --------------------------------------------------------------------------

class Me(Answer):
    username: str
    role: T.one_of(ROLES)
    locale: str | None


class Item(Answer):
    sku: T.limited(40)
    name: T.limited(200)
    kind: T.one_of(ITEM_KINDS)
    unit: T.Unit
    reorder_point: T.Quantity
    reorder_quantity: T.Quantity
    default_supplier: str | None
    shelf_life_days: Annotated[int, Field(ge=0)] | None
    gtin: T.limited(14) | None
    density: T.Quantity | None
    price: T.Money | None
    archived: bool


class Party(Answer):
    """A supplier or a customer."""

    id: int
    name: T.limited(200)
    contact: str | None
    email: str | None
    phone: str | None
    address: str | None
    notes: str | None
    archived: bool


class Location(Answer):
    code: T.limited(40)
    name: T.limited(200)
    kind: T.one_of((*LOCATION_KINDS, "wip"))
    archived: bool


class _ItemFields(Body):
    reorder_point: optional(T.DecimalInput)
    reorder_quantity: optional(T.DecimalInput)
    default_supplier: optional(T.text(200, description="A supplier's name."))
    shelf_life_days: optional(T.whole(0, 36500))
    gtin: optional(T.text(20, description="GTIN-8/12/13/14 with a valid check digit."))
    density: optional(T.DecimalInput)
    price: optional(T.DecimalInput)
    archived: optional(T.Flag)


class ItemInput(_ItemFields):
    model_config = _examples({"sku": "WAX-SOY", "name": "Soy wax flakes", "kind": "material",
                              "unit": "g", "reorder_point": "10000", "shelf_life_days": 730})
    sku: T.text(40, min_length=1, pattern=CODE_PATTERN)
    name: T.text(200, min_length=1)
    kind: T.choice(ITEM_KINDS)
    unit: T.UnitInput


class ItemPatch(_ItemFields):
    model_config = _examples({"reorder_point": "12000", "price": "18.50"})
    sku: optional(T.text(40, pattern=CODE_PATTERN))
    name: optional(T.text(200))
    kind: optional(T.choice(ITEM_KINDS))
    unit: optional(T.UnitInput)


class _PartyFields(Body):
    contact: optional(T.text(200))
    email: optional(T.text(200))
    phone: optional(T.text(50))
    address: optional(T.Notes)
    notes: optional(T.Notes)
    archived: optional(T.Flag)


class PartyInput(_PartyFields):
    model_config = _examples({"name": "CeraPura Waxes", "contact": "Ioana Pop",
                              "email": "orders@cerapura.example"})
    name: T.text(200, min_length=1)


class PartyPatch(_PartyFields):
    model_config = _examples({"phone": "+40 21 555 0101"})
    name: optional(T.text(200))


class LocationInput(Body):
    model_config = _examples({"code": "RAW-B1", "name": "Raw materials, shelf B1"})
    code: T.text(40, min_length=1, pattern=CODE_PATTERN)
    name: T.text(200, min_length=1)
    kind: optional(T.choice(LOCATION_KINDS))
    archived: optional(T.Flag)


class LocationPatch(Body):
    model_config = _examples({"name": "Raw materials, top shelf"})
    code: optional(T.text(40, pattern=CODE_PATTERN))
    name: optional(T.text(200))
    kind: optional(T.choice(LOCATION_KINDS))
    archived: optional(T.Flag)


# --- stock --------------------------------------------------------------------------------

class LocationQuantity(Answer):
    location: str
    quantity: T.Quantity


class Lot(Answer):
    """A lot: `item` and `location` are codes; `unit_cost` per base unit."""

    code: str
    item: str
    item_name: str
    unit: T.Unit
    quantity: T.Quantity
    available: T.Quantity
    locations: list[LocationQuantity]
    expiry: T.Date | None
    expiry_status: T.one_of(("none", "expired", "soon", "ok"))
    received_on: T.Date
    status: T.one_of(LOT_STATUSES)
    status_reason: str | None
    unit_cost: T.Money
    origin: T.one_of(LOT_ORIGINS)
    supplier: str | None
    supplier_lot: str | None
    url: T.Url


class ReceiptPrint(Answer):
    """Present when receipts print by themselves: whether the default printer took the
    labels."""

    printer: str
    copies: int
    sent: bool
    error: str | None


class Receipt(Answer):
    lot: Lot
    label_url: T.Url
    print: ReceiptPrint = None


# --- label printers -----------------------------------------------------------------------

class Printer(Answer):
    name: str
    kind: T.one_of(PRINTER_KINDS)
    host: str
    port: int
    queue: str | None
    default: bool


class PrinterInput(Body):
    model_config = _examples({"name": "Zebra-1", "kind": "zpl", "host": "192.168.1.50"})
    name: T.text(100, min_length=1)
    kind: T.choice(PRINTER_KINDS)
    host: optional(T.text(255))
    port: optional(T.whole(1, 65535))
    queue: optional(T.text(200))
    default: optional(T.Flag)


class PrintInput(Body):
    """Every field is optional: the default printer, label size and one copy."""

    printer: optional(T.text(100))
    size: optional(T.choice(LABEL_SIZES))
    copies: optional(T.whole(1, 200))


class PrintResult(Answer):
    lot: str
    printer: str
    size: str
    copies: int


class ReceiptInput(Body):
    """`unit_cost` is per the receipt's `unit` (the item's base unit when absent); the lot
    keeps it per base unit."""

    model_config = _examples({"item": "WAX-SOY", "quantity": "20", "unit": "kg",
                              "location": "RAW-A1", "unit_cost": "4.20",
                              "supplier_lot": "CP-24-1187", "expiry": "2027-12-31"})
    item: T.ItemCode
    quantity: T.DecimalInput
    location: T.LocationCode
    unit_cost: T.DecimalInput
    unit: optional(T.UnitInput)
    supplier: optional(T.text(200))
    supplier_lot: optional(T.text(80))
    expiry: optional(T.DateInput)
    lot_code: optional(T.text(80))
    purchase_order_line: optional(T.whole(*T.ID_RANGE, description=(
        "The purchase order line this receipt delivers.")))
    accept_expired: optional(Annotated[T.Flag, Field(description=(
        "A supervisor accepts an already-expired lot; it arrives in quarantine."))])


class LotStatusInput(Body):
    model_config = _examples({"status": "quarantine", "reason": "supplier recall notice"})
    status: T.choice(STATUS_ACTIONS)
    reason: T.Reason


class Move(Answer):
    id: int
    lot: str
    from_: Annotated[str, Field(alias="from")]
    to: str
    quantity: T.Quantity
    reason: T.one_of(MOVE_REASONS)


class MoveInput(Body):
    model_config = _examples({"lot": "L-0001", "from": "RAW-A1", "to": "RAW-A2",
                              "quantity": "500"},
                             {"lot": "L-0001", "from": "RAW-A1", "to": "RAW-A2",
                              "quantity": "0.5", "unit": "kg"})
    lot: T.Code
    from_: Annotated[T.LocationCode, Field(alias="from")]
    to: T.LocationCode
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)


class Count(Answer):
    id: int
    lot: str
    location: str
    expected_quantity: T.Quantity
    counted_quantity: T.Quantity
    adjustment: T.SignedQuantity


class CountInput(Body):
    model_config = _examples({"lot": "L-0001", "location": "RAW-A1",
                              "counted_quantity": "19500", "reason": "weekly count"})
    lot: T.Code
    location: T.LocationCode
    counted_quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    reason: optional(T.text(500))


class StockLot(Answer):
    code: str
    expiry: T.Date | None
    status: T.one_of(LOT_STATUSES)
    quantity: T.Quantity
    available: T.Quantity
    locations: list[LocationQuantity]


class Stock(Answer):
    """An item's stock, lots in FEFO order."""

    item: str
    unit: T.Unit
    on_hand: T.Quantity
    reserved: T.Quantity
    available: T.Quantity
    value: T.Money
    lots: list[StockLot]


class LowStock(Answer):
    item: str
    name: str
    unit: T.Unit
    available: T.Quantity
    reorder_point: T.Quantity
    suggested_quantity: T.Quantity


class AlertLot(Answer):
    lot: str
    item: str
    expiry: T.Date
    quantity: T.Quantity


class Alerts(Answer):
    low_stock: list[LowStock]
    expiring: list[AlertLot]
    expired: list[AlertLot]


class Scan(Answer):
    type: T.one_of(("lot", "item", "location", "order"))
    key: str
    url: T._described({"type": "string", "format": "uri-reference"})


class Gs1Fields(Answer):
    """A supplier's GS1 barcode read as receipt fields."""

    item: str | None
    gtin: str | None
    supplier_lot: str | None
    expiry: T.Date | None
    quantity: T.DecimalText | None
    unit: str | None


class LotFacts(Answer):
    code: str
    item: str
    item_name: str
    unit: T.Unit
    origin: T.one_of(LOT_ORIGINS)
    status: T.one_of(LOT_STATUSES)
    expiry: T.Date | None
    received_on: T.Date
    supplier: str | None
    supplier_lot: str | None


# --- production ---------------------------------------------------------------------------

class RecipeLine(Answer):
    item: str
    quantity: T.Quantity
    unit: T.Unit
    loss_percent: T.Quantity


class Recipe(Answer):
    """A recipe version; line quantities in each component's base unit."""

    product: str
    version: Annotated[int, Field(ge=1)]
    yield_quantity: T.Quantity
    unit: T.Unit
    labour_minutes: T.Quantity
    labour_rate: T.Money
    overhead: T.Money
    lines: list[RecipeLine]


class RecipeLineInput(Body):
    item: T.ItemCode
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    loss_percent: optional(T.DecimalInput)


class RecipeInput(Body):
    model_config = _examples({
        "product": "BASE-LAV", "yield_quantity": "1", "unit": "kg",
        "lines": [{"item": "WAX-SOY", "quantity": "940", "unit": "g"},
                  {"item": "OIL-LAV", "quantity": "60", "unit": "ml", "loss_percent": "3"}],
        "labour_minutes": "20", "labour_rate": "24", "overhead": "0.80"})
    product: T.ItemCode
    yield_quantity: T.DecimalInput
    lines: Annotated[list[RecipeLineInput], Field(min_length=1)]
    unit: optional(T.UnitInput)
    labour_minutes: optional(T.DecimalInput)
    labour_rate: optional(T.DecimalInput)
    overhead: optional(T.DecimalInput)
    notes: optional(T.Notes)


class OutputLot(Answer):
    code: str
    quantity: T.Quantity
    unit_cost: T.Money
    total_cost: T.Money


class Requirement(Answer):
    item: str
    required: T.Quantity
    available: T.Quantity
    shortage: T.Quantity
    picked: T.Quantity
    reserved: T.Quantity


class ProductionOrder(Answer):
    """`output_lot` appears once the order is completed."""

    number: str
    status: T.one_of(ORDER_STATUSES)
    product: str
    recipe_version: int
    quantity: T.Quantity
    unit: T.Unit
    due_date: T.Date | None
    requirements: list[Requirement]
    output_lot: OutputLot = None


class ProductionOrderInput(Body):
    model_config = _examples({"product": "CANDLE-LAV", "quantity": "10",
                              "due_date": "2026-12-31"})
    product: T.ItemCode
    quantity: T.DecimalInput
    due_date: optional(T.DateInput)


class SuggestedLot(Answer):
    lot: str
    location: str
    quantity: T.Quantity
    expiry: T.Date | None


class SuggestedRequirement(Answer):
    item: str
    remaining: T.Quantity
    shortage: T.Quantity
    lots: list[SuggestedLot]


class Suggestions(Answer):
    """FEFO lots covering what each requirement still needs."""

    number: str
    requirements: list[SuggestedRequirement]


class Pick(Answer):
    order: str
    lot: str
    location: str
    quantity: T.Quantity
    override_reason: str | None
    remaining: T.Quantity


class PickInput(Body):
    model_config = _examples({"lot": "L-0001", "location": "RAW-A1", "quantity": "940"},
                             {"lot": "L-0001", "quantity": "0.94", "unit": "kg"})
    lot: T.Code
    location: optional(T.text(40))
    quantity: optional(T.DecimalInput)
    unit: optional(T.UnitInput)
    override_reason: optional(T.text(500, description=(
        "Required to pick a lot that is not the first to expire.")))


class ConsumedLot(Answer):
    lot: str
    quantity: T.Quantity
    cost: T.Money


class ReturnedLot(Answer):
    lot: str
    quantity: T.Quantity
    location: str


class Completion(Answer):
    number: str
    status: T.one_of(ORDER_STATUSES)
    output_lot: OutputLot
    label_url: T.Url
    consumed: Annotated[list[ConsumedLot], Field(description=(
        "What was really consumed: the work in progress less what was returned and "
        "scrapped."))]
    returned: list[ReturnedLot]
    scrapped: Annotated[list[ConsumedLot], Field(description=(
        "What was written off, with its cost (part of the batch's material cost)."))]


class ReturnInput(Body):
    lot: T.Code
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    location: T.text(40, min_length=1, description="A free place (not quarantine or work "
                                                   "in progress) it goes back to.")


class ScrapInput(Body):
    lot: T.Code
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    reason: T.text(500, min_length=1, description="Why it was lost.")


class CompletionInput(Body):
    """`quantity` (in `unit`, the product's base unit when absent) is what was made.
    Everything picked into the order's work in progress is consumed except what `returns`
    puts back on a shelf and what `scrap` writes off (charged to the batch); each line
    names a lot in this order's work in progress."""

    model_config = _examples({"quantity": "10", "location": "FG-1"},
                             {"quantity": "9", "location": "FG-1",
                              "returns": [{"lot": "WAX-0001", "quantity": "150",
                                           "location": "RAW-1"}],
                              "scrap": [{"lot": "JAR-0003", "quantity": "1",
                                         "reason": "cracked while filling"}]})
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    lot_code: optional(T.text(80))
    expiry: optional(T.DateInput)
    location: optional(T.text(40))
    returns: optional(Annotated[list[ReturnInput], Field(description=(
        "Picked but not used: put back, to `location`."))])
    scrap: optional(Annotated[list[ScrapInput], Field(description=(
        "Picked and lost in the run (spilt, broken): written off with its reason, its "
        "cost part of the batch's."))])


class PlanningLine(Answer):
    item: str
    unit: T.Unit
    required: T.Quantity
    on_hand: T.Quantity
    shortage: T.Quantity
    orders: list[str]
    blocked: list[str]


class Planning(RootModel[list[PlanningLine]]):
    pass


# --- shipping and traceability ------------------------------------------------------------

class ShipmentLine(Answer):
    lot: str
    item: str
    location: str
    quantity: T.Quantity


class Shipment(Answer):
    number: str
    customer: str
    reference: str | None
    date: T.Date
    lines: list[ShipmentLine]


class ShipmentLineInput(Body):
    lot: T.Code
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    location: optional(T.text(40))


class ShipmentInput(Body):
    model_config = _examples({"customer": "Casa Verde Shop", "reference": "INV-2026-0412",
                              "lines": [{"lot": "L-0001", "quantity": "12"}]})
    customer: T.text(200, min_length=1, description="A customer's name or id.")
    lines: Annotated[list[ShipmentLineInput], Field(min_length=1)]
    reference: optional(T.text(100))
    notes: optional(T.Notes)
    sales_order: optional(T.text(20, min_length=1, description=(
        "The sales order shipped against: the lines count against its lines.")))


class ShipmentRow(Answer):
    shipment: str
    customer: str
    date: T.Date
    reference: str | None
    lot: str
    quantity: T.Quantity


class TraceNode(Answer):
    """A lot and, below it, its inputs (backward) or what was made from it (forward);
    `quantity` is what flowed along the link to the parent."""

    lot: LotFacts
    quantity: T.Quantity | None
    children: list[TraceNode]
    repeated: Annotated[Literal[True], Field(description=(
        "Shown already elsewhere in this tree: not expanded again."))] = None


class Trace(Answer):
    """`shipments` comes with a forward trace."""

    direction: T.one_of(("backward", "forward"))
    lot_count: Annotated[int, Field(ge=1)]
    tree: TraceNode
    shipments: list[ShipmentRow] = None


class MassBalance(Answer):
    received: T.Quantity
    consumed: T.Quantity
    shipped: T.Quantity
    adjusted: T.SignedQuantity
    scrapped: T.Quantity
    on_hand: T.Quantity
    discrepancy: T.SignedQuantity


class RecalledLot(LotFacts):
    locations: list[LocationQuantity]
    mass_balance: MassBalance


class Recall(Answer):
    """Every affected lot with where it is and its mass balance, and every shipment that
    carried any of them."""

    lots_requested: list[str]
    customers: list[str]
    balanced: bool
    lots: list[RecalledLot]
    shipments: list[ShipmentRow]


def _lot_codes(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(code, str) for code in value):
        return value
    raise T._refuse("lot_codes")


T.MESSAGES["lot_codes"] = lambda field, _: t("lots must be a list of lot codes")

LotCodes = Annotated[Any, PlainValidator(_lot_codes), WithJsonSchema({
    "anyOf": [{"type": "array", "items": {"type": "string", "maxLength": 80}},
              {"type": "string"}],
    "description": "Lot codes, as a list or comma-separated."})]


class RecallQuarantineInput(Body):
    model_config = _examples({"lots": ["L-0001"], "reason": "supplier recall notice"})
    reason: T.Reason
    lots: optional(LotCodes)
    lot: optional(T.text(2000, description="One lot code (or several, comma-separated)."))
    include_inputs: optional(T.Flag)


class RecallQuarantine(Answer):
    quarantined: list[str]


# --- purchasing, reports, settings --------------------------------------------------------

class ReorderItem(Answer):
    item: str
    on_hand: T.Quantity
    on_order: T.Quantity
    reserved: T.Quantity
    reorder_point: T.Quantity
    suggested_quantity: T.Quantity
    unit: T.Unit
    unit_cost: T.Money | None


class ReorderGroup(Answer):
    supplier: str | None
    items: list[ReorderItem]


class ReorderSuggestions(RootModel[list[ReorderGroup]]):
    """Items below their reorder point, grouped by default supplier."""


class PurchaseOrderLine(Answer):
    id: int
    item: str
    quantity: T.Quantity
    unit: T.Unit
    unit_price: T.Money
    base_quantity: T.Quantity
    base_unit: T.Unit
    received: T.Quantity
    outstanding: T.Quantity


class PurchaseOrder(Answer):
    """`quantity` and `unit_price` as ordered; `base_quantity`, `received` and
    `outstanding` in the item's base unit."""

    number: str
    supplier: str
    status: T.one_of(PO_STATUSES)
    expected_date: T.Date | None
    notes: str | None
    lines: list[PurchaseOrderLine]


class PurchaseOrderLineInput(Body):
    item: T.ItemCode
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    unit_price: optional(T.DecimalInput)


class PurchaseOrderInput(Body):
    model_config = _examples({"supplier": "CeraPura Waxes", "expected_date": "2026-12-15",
                              "lines": [{"item": "WAX-SOY", "quantity": "25", "unit": "kg",
                                         "unit_price": "4.20"}]})
    supplier: T.text(200, min_length=1, description="A supplier's name or id.")
    expected_date: optional(T.DateInput)
    notes: optional(T.Notes)
    lines: optional(list[PurchaseOrderLineInput])


class PurchaseOrderLinePatch(PurchaseOrderLineInput):
    id: optional(T.Id)


class PurchaseOrderPatch(Body):
    model_config = _examples({"notes": "deliver before noon"})
    expected_date: optional(T.DateInput)
    notes: optional(T.Notes)
    lines: optional(Annotated[list[PurchaseOrderLinePatch], Field(description=(
        "Replaces every line; a quantity of 0 drops one."))])


class FromSuggestionsInput(Body):
    model_config = _examples({})
    items: optional(Annotated[list[T.text(40)], Field(description=(
        "Only these SKUs (all suggestions when absent)."))])


class ValuationLot(Answer):
    lot: str
    quantity: T.Quantity
    unit_cost: T.Money
    value: T.Money


class ValuationItem(Answer):
    item: str
    category: T.one_of(VALUATION_CATEGORIES)
    quantity: T.Quantity
    value: T.Money
    lots: list[ValuationLot]


Valuation = create_model(
    "Valuation", __base__=Answer, __doc__="Inventory value at lot cost; `items` with "
    "`?detail=1`.",
    **{name: (T.Money, ...) for name in (*VALUATION_CATEGORIES, "total")},
    items=(list[ValuationItem], None))


class Movement(Answer):
    id: int
    at: T.DateTime
    lot: str
    item: str
    unit: T.Unit
    from_: Annotated[str | None, Field(alias="from")]
    to: str | None
    quantity: T.Quantity
    reason: T.one_of(MOVE_REASONS)
    user: str | None
    note: str | None


class Movements(RootModel[list[Movement]]):
    """The ledger, newest first."""


_SETTING_TYPES = {
    "company_name": (T.limited(200), T.text(200, min_length=1)),
    "company_address": (T.limited(500), T.text(500, multiline=True)),
    "currency": (T.pattern("^[A-Z]{3}$"), T.text(3, pattern="^[A-Za-z]{3}$")),
    "lot_code_pattern": (T.limited(80), T.text(80, min_length=1)),
    "default_label_size": (T.one_of(LABEL_SIZES), T.choice(LABEL_SIZES)),
    "picking_policy": (T.one_of(fefo.POLICIES), T.choice(fefo.POLICIES)),
    "auto_print_receipts": (T.one_of(("on", "off")), T.choice(("on", "off"))),
}
Settings = create_model("Settings", __base__=Answer, **{
    name: (_SETTING_TYPES.get(name, (str,))[0], ...) for name in settings.EDITABLE})
SettingsPatch = create_model(
    "SettingsPatch", __config__=_examples({"currency": "RON", "picking_policy": "fefo"}),
    __doc__="Only the settings named change.", **{
        name: (_SETTING_TYPES[name][1] if name in _SETTING_TYPES else T.text(200), None)
        for name in settings.EDITABLE})


# --- data in and out ----------------------------------------------------------------------

class ImportProblem(Answer):
    """The row as a spreadsheet numbers it (the header is row 1; null: the whole file) and
    the column at fault."""

    row: Annotated[int, Field(ge=1)] | None
    field: str | None
    message: str


class ImportResult(Answer):
    kind: T.one_of(imports.KINDS)
    rows: T.Count
    created: T.Count
    applied: bool
    problems: list[ImportProblem]


class ExportKind(Answer):
    kind: T.one_of(exports.KINDS)
    url: str
    columns: list[str]


class ExportIndex(Answer):
    zip: str
    kinds: list[ExportKind]


class ExportPage(Answer):
    """Rows keyed by the kind's columns; follow `next` until it is null."""

    kind: T.one_of(exports.KINDS)
    rows: list[dict]
    next_after: str | None
    next: str | None


class JournalLine(Answer):
    account: str
    debit: T.Money
    credit: T.Money
    item: str | None
    lot: str | None
    quantity: T.DecimalText | None


class JournalEntry(Answer):
    entry: str
    date: T.Date
    reference: str
    description: str
    lines: list[JournalLine]


class AccountTotal(Answer):
    account: str
    debit: T.Money
    credit: T.Money
    net: T.SignedMoney


class Journal(Answer):
    from_: Annotated[T.Date | None, Field(alias="from")]
    to: T.Date
    entries: list[JournalEntry]
    accounts: list[AccountTotal]


# --- sales orders -------------------------------------------------------------------------

class SalesOrderLineInput(Body):
    item: T.ItemCode
    quantity: T.DecimalInput
    unit: optional(T.UnitInput)
    price: optional(T.DecimalInput)


class SalesOrderInput(Body):
    model_config = _examples({"customer": "Casa Verde Shop", "reference": "#1042",
                              "due_date": "2026-12-20", "min_shelf_life_days": 90,
                              "lines": [{"item": "CANDLE-LAV", "quantity": "24",
                                         "price": "18.50"}]})
    customer: T.text(200, min_length=1, description="A customer's name or id.")
    reference: optional(T.text(100, description="The customer's or shop's order number."))
    due_date: optional(T.DateInput)
    min_shelf_life_days: optional(T.whole(0, sales_rules.MAX_SHELF_LIFE_DAYS, description=(
        "Lots shipped must keep at least this many days before they expire.")))
    lines: Annotated[list[SalesOrderLineInput], Field(min_length=1, max_length=1000)]


class SalesOrderLine(Answer):
    """Quantities in the item's base unit (`unit`); `ordered_unit` is the customer's."""

    line: int
    item: str
    quantity: T.Quantity
    unit: T.Unit
    ordered_unit: str
    price: T.Money | None
    reserved: T.Quantity
    shipped: T.Quantity
    shortage: T.Quantity


class SalesOrderProduction(Answer):
    number: str
    product: str
    quantity: T.Quantity
    status: T.one_of(ORDER_STATUSES)


class SalesOrder(Answer):
    number: str
    status: T.one_of(sales_rules.STATUSES)
    customer: str
    reference: str | None
    due_date: T.Date | None
    min_shelf_life_days: int | None
    source: T.one_of(sales_rules.SOURCES)
    lines: list[SalesOrderLine]
    shipments: list[str]
    production_orders: list[SalesOrderProduction]


class PlannedProduction(Answer):
    number: str
    product: str
    quantity: T.Quantity


class SalesOrderPlan(Answer):
    production_orders: list[PlannedProduction]
