"""Everything a business keeps here, out again: one CSV per kind of record (zipped
together), and the same rows as JSON pages for the API. The data is theirs.

Rows are read with `yield_per`, so the whole ledger is never in memory, and the ZIP is
written as it is read. All kinds come from one database snapshot (one read transaction;
REPEATABLE READ on PostgreSQL), so the files agree with each other even while people work.

Records are named by their business codes (SKU, lot code, location code, order number), as
people and the API know them, not by database ids. Times are UTC.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from shopfloor.domain.errors import NotFound, ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import (
    MAX_ID,
    exact,
    format_quantity,
    is_whole_number,
    money_to_api,
    round_money,
    to_api,
)
from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent
from shopfloor.models.base import utcnow
from shopfloor.models.master import Customer, Item, Location, Supplier
from shopfloor.models.production import LotLink, ProductionOrder, ProductionPick, Recipe, RecipeLine
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Balance, Lot, StockCount, StockCountLine, StockMove
from shopfloor.models.users import User
from shopfloor.services.imports import FORMULA_STARTS

BATCH = 1000
MAX_PAGE = 5000

# Column types: how a value is written in CSV and in JSON.
TEXT, QTY, MONEY, DATE, TIME, BOOL, INT, JSON = (
    "text", "quantity", "money", "date", "datetime", "bool", "int", "json")


@dataclass(frozen=True)
class ExportKind:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, type)
    select: Callable[[], sa.Select]
    cursor: Callable[[], tuple]  # the columns that page through it, in order

    @property
    def header(self) -> list[str]:
        return [name for name, _type in self.columns]


# --- the kinds -----------------------------------------------------------------------------------

def _items():
    return (sa.select(Item.sku, Item.name, Item.kind, Item.unit, Item.reorder_point,
                      Item.reorder_quantity, Supplier.name, Item.shelf_life_days, Item.gtin,
                      Item.density, Item.price, Item.archived, Item.id)
            .outerjoin(Supplier, Supplier.id == Item.default_supplier_id))


def _parties(model):
    def select():
        return sa.select(model.name, model.contact, model.email, model.phone, model.address,
                         model.notes, model.archived, model.id)

    return select


def _locations():
    return sa.select(Location.code, Location.name, Location.kind, Location.archived,
                     Location.id)


def _lots():
    creator = aliased(User)
    return (sa.select(Lot.code, Item.sku, Lot.origin, Supplier.name, Lot.supplier_lot,
                      Lot.received_on, Lot.expiry, Lot.unit_cost, Lot.status,
                      Lot.status_reason, Lot.created_at, creator.username, Lot.id)
            .join(Item, Item.id == Lot.item_id)
            .outerjoin(Supplier, Supplier.id == Lot.supplier_id)
            .outerjoin(creator, creator.id == Lot.created_by_id))


def _balances():
    return (sa.select(Lot.code, Item.sku, Location.code, Balance.quantity, Item.unit,
                      Lot.unit_cost, Balance.lot_id, Balance.location_id)
            .join(Lot, Lot.id == Balance.lot_id).join(Item, Item.id == Balance.item_id)
            .join(Location, Location.id == Balance.location_id)
            .where(Balance.quantity > 0))


def _moves():
    source, target = aliased(Location), aliased(Location)
    return (sa.select(StockMove.id, StockMove.created_at, Lot.code, Item.sku,
                      StockMove.quantity, Item.unit, StockMove.reason, source.code,
                      target.code, StockMove.reference_type,
                      sa.func.coalesce(ProductionOrder.number, Shipment.number),
                      StockMove.reference_id, StockMove.note, User.username)
            .join(Lot, Lot.id == StockMove.lot_id).join(Item, Item.id == Lot.item_id)
            .outerjoin(source, source.id == StockMove.from_location_id)
            .outerjoin(target, target.id == StockMove.to_location_id)
            .outerjoin(User, User.id == StockMove.user_id)
            .outerjoin(ProductionOrder, sa.and_(
                StockMove.reference_type == "production_order",
                ProductionOrder.id == StockMove.reference_id))
            .outerjoin(Shipment, sa.and_(StockMove.reference_type == "shipment",
                                         Shipment.id == StockMove.reference_id)))


def _recipes():
    product, component = aliased(Item), aliased(Item)
    return (sa.select(product.sku, Recipe.version, Recipe.yield_quantity, product.unit,
                      Recipe.labour_minutes, Recipe.labour_rate, Recipe.overhead, Recipe.notes,
                      component.sku, RecipeLine.entered_quantity, RecipeLine.entered_unit,
                      RecipeLine.loss_percent, RecipeLine.quantity, component.unit,
                      Recipe.created_at, RecipeLine.id)
            .join(Recipe, Recipe.id == RecipeLine.recipe_id)
            .join(product, product.id == Recipe.item_id)
            .join(component, component.id == RecipeLine.item_id))


def _orders():
    return (sa.select(ProductionOrder.number, Item.sku, Recipe.version,
                      ProductionOrder.planned_quantity, Item.unit, ProductionOrder.due_on,
                      ProductionOrder.status, ProductionOrder.produced_quantity, Lot.code,
                      ProductionOrder.material_cost, ProductionOrder.labour_cost,
                      ProductionOrder.overhead_cost, ProductionOrder.total_cost,
                      ProductionOrder.created_at, ProductionOrder.released_at,
                      ProductionOrder.completed_at, ProductionOrder.cancelled_at,
                      ProductionOrder.id)
            .join(Item, Item.id == ProductionOrder.item_id)
            .join(Recipe, Recipe.id == ProductionOrder.recipe_id)
            .outerjoin(Lot, Lot.id == ProductionOrder.output_lot_id))


def _picks():
    return (sa.select(ProductionOrder.number, Lot.code, Item.sku, Location.code,
                      ProductionPick.quantity, Item.unit, ProductionPick.override_reason,
                      User.username, ProductionPick.created_at, ProductionPick.id)
            .join(ProductionOrder, ProductionOrder.id == ProductionPick.order_id)
            .join(Lot, Lot.id == ProductionPick.lot_id).join(Item, Item.id == Lot.item_id)
            .join(Location, Location.id == ProductionPick.from_location_id)
            .outerjoin(User, User.id == ProductionPick.user_id))


def _shipments():
    return (sa.select(Shipment.number, Shipment.shipped_on, Customer.name, Shipment.reference,
                      Lot.code, Item.sku, Location.code, ShipmentLine.quantity, Item.unit,
                      Shipment.notes, ShipmentLine.id)
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .join(Customer, Customer.id == Shipment.customer_id)
            .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
            .join(Location, Location.id == ShipmentLine.location_id))


def _genealogy():
    source, made = aliased(Lot), aliased(Lot)
    return (sa.select(source.code, made.code, ProductionOrder.number, LotLink.quantity,
                      LotLink.cost, LotLink.id)
            .join(source, source.id == LotLink.input_lot_id)
            .join(made, made.id == LotLink.output_lot_id)
            .outerjoin(ProductionOrder, ProductionOrder.id == LotLink.order_id))


def _counts():
    return (sa.select(StockCount.id, StockCount.created_at, Location.code, Lot.code, Item.sku,
                      StockCountLine.expected_quantity, StockCountLine.counted_quantity,
                      Item.unit, StockCount.reason, User.username, StockCountLine.id)
            .join(StockCount, StockCount.id == StockCountLine.count_id)
            .join(Location, Location.id == StockCount.location_id)
            .join(Lot, Lot.id == StockCountLine.lot_id).join(Item, Item.id == Lot.item_id)
            .outerjoin(User, User.id == StockCount.user_id))


def _audit():
    return (sa.select(AuditEvent.id, AuditEvent.created_at, User.username, AuditEvent.entity,
                      AuditEvent.entity_key, AuditEvent.before, AuditEvent.after,
                      AuditEvent.reason)
            .outerjoin(User, User.id == AuditEvent.user_id))


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    """ "sku name:text price:money" -> (("sku", "text"), ("name", "text"), …)."""
    return tuple((part.split(":")[0], part.split(":")[1] if ":" in part else TEXT)
                 for part in spec.split())


# Each kind: its columns, a select whose leading columns are those values in that order
# (a recipe line converts below), and the trailing columns that page through it.
KINDS: dict[str, ExportKind] = {kind.name: kind for kind in (
    ExportKind("items", _cols("sku name kind unit reorder_point:quantity "
                              "reorder_quantity:quantity default_supplier shelf_life_days:int "
                              "gtin density:quantity price:money archived:bool"),
               _items, lambda: (Item.id,)),
    ExportKind("suppliers", _cols("name contact email phone address notes archived:bool"),
               _parties(Supplier), lambda: (Supplier.id,)),
    ExportKind("customers", _cols("name contact email phone address notes archived:bool"),
               _parties(Customer), lambda: (Customer.id,)),
    ExportKind("locations", _cols("code name kind archived:bool"),
               _locations, lambda: (Location.id,)),
    ExportKind("lots", _cols("code item origin supplier supplier_lot received_on:date "
                             "expiry:date unit_cost:money status status_reason "
                             "created_at:datetime created_by"),
               _lots, lambda: (Lot.id,)),
    ExportKind("stock_balances", _cols("lot item location quantity:quantity unit "
                                       "unit_cost:money value:money"),
               _balances, lambda: (Balance.lot_id, Balance.location_id)),
    ExportKind("stock_moves", _cols("id:int created_at:datetime lot item quantity:quantity unit "
                                    "reason from_location to_location reference_type "
                                    "reference note user"),
               _moves, lambda: (StockMove.id,)),
    ExportKind("recipes", _cols("product version:int yield_quantity:quantity unit "
                                "labour_minutes:quantity labour_rate:money overhead:money notes "
                                "item quantity:quantity line_unit loss_percent:quantity "
                                "base_quantity:quantity base_unit created_at:datetime"),
               _recipes, lambda: (RecipeLine.id,)),
    ExportKind("production_orders", _cols(
        "number product recipe_version:int planned_quantity:quantity unit due_on:date status "
        "produced_quantity:quantity output_lot material_cost:money labour_cost:money "
        "overhead_cost:money total_cost:money created_at:datetime released_at:datetime "
        "completed_at:datetime cancelled_at:datetime"),
               _orders, lambda: (ProductionOrder.id,)),
    ExportKind("production_picks", _cols("order lot item from_location quantity:quantity unit "
                                         "override_reason user created_at:datetime"),
               _picks, lambda: (ProductionPick.id,)),
    ExportKind("shipments", _cols("number shipped_on:date customer reference lot item location "
                                  "quantity:quantity unit notes"),
               _shipments, lambda: (ShipmentLine.id,)),
    ExportKind("genealogy", _cols("input_lot output_lot order quantity:quantity cost:money"),
               _genealogy, lambda: (LotLink.id,)),
    ExportKind("stock_counts", _cols("count:int created_at:datetime location lot item "
                                     "expected_quantity:quantity counted_quantity:quantity unit "
                                     "reason user"),
               _counts, lambda: (StockCountLine.id,)),
    ExportKind("audit_events", _cols("id:int created_at:datetime user entity entity_key "
                                     "before:json after:json reason"),
               _audit, lambda: (AuditEvent.id,)),
)}


def get_kind(name: str) -> ExportKind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(t("no export of {name}; choose one of {kinds}",
                         name=name, kinds=", ".join(KINDS)),
                       field="kind")
    return kind


def _values(kind: ExportKind, row: Sequence) -> list:
    """A result row as the kind's column values (the cursor columns dropped)."""
    if kind.name == "stock_balances":
        lot, sku, location, quantity, unit, unit_cost = row[:6]
        with exact():
            value = round_money(quantity * unit_cost)
        return [lot, sku, location, quantity, unit, unit_cost, value]
    if kind.name == "stock_moves":
        values = list(row[:14])
        number, reference_id = values[10], values[11]
        # the document: an order or shipment number, a count's number, or the lot received
        values[10] = number or (values[2] if values[9] == "receipt" else reference_id)
        del values[11]
        return values
    return list(row[:len(kind.columns)])


# --- reading ------------------------------------------------------------------------------------

def parse_cursor(kind: ExportKind, after: str | None) -> tuple[int, ...] | None:
    if after in (None, ""):
        return None
    parts = after.split("-")
    if len(parts) != len(kind.cursor()) or not all(
            is_whole_number(part, MAX_ID) for part in parts):
        raise ValidationError(t("after must be the next_after of the previous page"),
                              field="after")
    return tuple(int(part) for part in parts)


def _query(kind: ExportKind, after: tuple[int, ...] | None = None):
    cursor = kind.cursor()
    query = kind.select()
    if after is not None:
        query = query.where(sa.tuple_(*cursor) > sa.tuple_(*after) if len(cursor) > 1
                            else cursor[0] > after[0])
    return query.add_columns(*cursor).order_by(*cursor)


def iter_rows(kind: ExportKind) -> Iterator[list]:
    """Every row of a kind, read in batches."""
    result = db.session.execute(_query(kind).execution_options(yield_per=BATCH))
    for row in result:
        yield _values(kind, row)


def page(kind: ExportKind, after: tuple[int, ...] | None, limit: int
         ) -> tuple[list[dict], str | None]:
    """One page of a kind as JSON-ready dicts, and the cursor of the next page (None at
    the end)."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(t("limit must be between 1 and {maximum}", maximum=MAX_PAGE),
                              field="limit")
    rows = db.session.execute(_query(kind, after).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    width = len(kind.cursor())
    next_after = "-".join(str(v) for v in rows[-1][-width:]) if more and rows else None
    return [json_row(kind, _values(kind, row)) for row in rows], next_after


# --- writing -------------------------------------------------------------------------------------

def csv_text(value: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_value(kind_type: str, value) -> str:
    if value is None:
        return ""
    if kind_type == QTY:
        return format_quantity(value)
    if kind_type == MONEY:
        return money_to_api(value)
    if kind_type == TIME:
        return value.isoformat(timespec="seconds")
    if kind_type == DATE:
        return value.isoformat()
    if kind_type == BOOL:
        return "true" if value else "false"
    if kind_type == JSON:
        return csv_text(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if kind_type == INT:
        return str(value)
    return csv_text(str(value))


def json_value(kind_type: str, value):
    if value is None:
        return None
    if kind_type == QTY:
        return to_api(value)
    if kind_type == MONEY:
        return money_to_api(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def csv_row(kind: ExportKind, values: list) -> list[str]:
    return [csv_value(kind_type, value)
            for (_name, kind_type), value in zip(kind.columns, values, strict=True)]


def json_row(kind: ExportKind, values: list) -> dict:
    return {name: json_value(kind_type, value)
            for (name, kind_type), value in zip(kind.columns, values, strict=True)}


def begin_snapshot() -> None:
    """Start a read transaction that sees one moment: every file of an export then agrees
    (a lot in lots.csv for every lot in stock_moves.csv). SQLite's WAL gives each
    transaction a snapshot; PostgreSQL needs REPEATABLE READ for it."""
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction():
        session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that hands over what was written: zipfile writes into
    it (it supports unseekable files) and the response streams it out."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self.size = 0
        return data


CHUNK = 64 * 1024


def csv_chunks(kind: ExportKind) -> Iterator[bytes]:
    """The kind as CSV (UTF-8 with a BOM, so Excel reads the diacritics), in chunks, for a
    streamed download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(kind.header)
    for values in iter_rows(kind):
        writer.writerow(csv_row(kind, values))
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def zip_chunks(kinds: Sequence[ExportKind] | None = None) -> Iterator[bytes]:
    """A ZIP of one CSV per kind and a manifest.json (when, and how many rows each),
    produced while the rows are read: memory stays flat whatever the ledger's size."""
    kinds = list(kinds or KINDS.values())
    sink = _Sink()
    counts: dict[str, int] = {}
    exported_at = utcnow()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in kinds:
            with archive.open(f"{kind.name}.csv", "w", force_zip64=True) as entry:
                text = io.TextIOWrapper(entry, encoding="utf-8-sig", newline="")
                writer = csv.writer(text, lineterminator="\r\n")
                writer.writerow(kind.header)
                count = 0
                for values in iter_rows(kind):
                    writer.writerow(csv_row(kind, values))
                    count += 1
                    if count % BATCH == 0:
                        text.flush()
                        if sink.size >= CHUNK:
                            yield sink.take()
                text.flush()
                text.detach()
            counts[kind.name] = count
            yield sink.take()
        manifest = {"exported_at": exported_at.isoformat(timespec="seconds") + "Z",
                    "files": {f"{name}.csv": rows for name, rows in counts.items()}}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    yield sink.take()


def zip_filename() -> str:
    return f"shopfloor-export-{utcnow().date().isoformat()}.zip"
