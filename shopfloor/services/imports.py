"""Moving in from spreadsheets: CSV files of items, suppliers, customers, locations,
recipes and opening stock, checked row by row and applied all or nothing.

Every row goes through the same command a person would use (create_item, create_recipe, …),
each inside a savepoint of ONE outer transaction. So a row is judged against everything
before it in the file — a duplicate SKU two hundred rows down, a recipe whose intermediate
got its own recipe a few rows up — and a dry run is the real thing rolled back. Apply runs
the same and commits only when no row has a problem.

Problems name the row as a spreadsheet shows it (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from shopfloor.database import command
from shopfloor.domain import units
from shopfloor.domain.availability import is_expired
from shopfloor.domain.errors import Conflict, DomainError, NotFound, ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import parse_money, parse_quantity
from shopfloor.models.master import Customer, Supplier
from shopfloor.models.stock import Lot
from shopfloor.models.users import User
from shopfloor.services import fields, master, recipes
from shopfloor.services.clock import today
from shopfloor.services.stock import add_lot, read_incoming_lot

#: A larger file is refused before any row is looked at: split it. Every row runs the real
#: command in the request, about 1–2 ms an item and 5 ms an opening lot on SQLite, and the
#: request must end well inside gunicorn's worker timeout (30 s by default). (The upload
#: itself is capped by MAX_CONTENT_LENGTH, 5 MiB by default, answered with 413.)
MAX_ROWS = 5_000

#: Characters a spreadsheet reads as the start of a formula. Exports prefix such text with
#: an apostrophe so that opening the file never runs anything; imports take it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Problem:
    row: int | None  # as the spreadsheet numbers it: the header is row 1; None: the file
    field: str | None
    message: str

    def to_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    rows: int = 0  # data rows read (blank rows not counted)
    created: int = 0  # records the file makes (items, lots, recipe versions, …)
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "created": self.created,
                "applied": self.applied, "problems": [p.to_dict() for p in self.problems]}


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class ImportKind:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    #: the column that must be unique within the file (and is named when repeated)
    key: str | None
    example: tuple[tuple[str, ...], ...]
    apply: Callable[[list[Row], User, ImportResult], None] = field(repr=False, compare=False)


# --- reading the file --------------------------------------------------------------------------

class FileProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _header_name(text: str) -> str:
    """Header cells as people type them: "Yield quantity" and "yield-quantity" are both
    yield_quantity."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _cell(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS[:4]:
        return text[1:]  # our own export's guard against formulas
    return text


def sniff_delimiter(first_line: str) -> str:
    """Comma, semicolon or tab, whichever the header uses most. Excel set to Romanian (or
    most of Europe) saves CSV with semicolons, because the comma is the decimal mark."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(Problem(None, None, t("the file is not UTF-8 text; in Excel save it as "
                                    "\u201cCSV UTF-8\u201d"))) from None


def read_rows(kind: ImportKind, content: bytes | str) -> tuple[list[Row], list[Problem]]:
    """The data rows of a CSV of this kind, each a dict of the known columns, and the
    problems of rows that could not be read. Blank rows (a spreadsheet's trailing ;;;;)
    are skipped but keep their numbers."""
    text = decode(content)
    if not text.strip():
        raise FileProblem(Problem(None, None, t("the file is empty")))
    first_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    rows: list[Row] = []
    problems: list[Problem] = []
    try:
        names = [_header_name(cell) for cell in next(reader)]
        _check_header(kind, names)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                raise FileProblem(Problem(None, None, t(
                    "the file has more than {limit} rows; split it into smaller files",
                    limit=MAX_ROWS)))
            if any(cell.strip() for cell in cells[len(names):]):
                problems.append(Problem(number, None, t(
                    "this row has {cells} cells but the header has {columns} columns",
                    cells=len(cells), columns=len(names))))
                continue
            rows.append(Row(number, {name: _cell(cell)
                                     for name, cell in zip(names, cells, strict=False)
                                     if name}))
    except csv.Error as error:
        raise FileProblem(Problem(None, None, t("the file is not a readable CSV: {error}",
                                                    error=str(error)))) from None
    if not rows and not problems:
        raise FileProblem(Problem(None, None, t("the file has no rows below the header")))
    return rows, problems


def _check_header(kind: ImportKind, names: list[str]) -> None:
    unknown = [name for name in names if name and name not in kind.columns]
    if unknown:
        raise FileProblem(Problem(1, unknown[0], t(
            "unknown column {column}; the columns are {columns}", column=unknown[0],
            columns=", ".join(kind.columns))))
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise FileProblem(Problem(1, repeated[0], t("column {column} appears twice",
                                                       column=repeated[0])))
    missing = [name for name in kind.required if name not in names]
    if missing:
        raise FileProblem(Problem(1, missing[0], t("the header lacks the columns {columns}",
                                                     columns=", ".join(missing))))


# --- running an import ------------------------------------------------------------------------

class _Discard(Exception):
    """Leaves the outer transaction by rolling it back (a dry run, or problems found)."""


def run_import(kind_name: str, content: bytes | str, user: User, *, apply: bool
               ) -> ImportResult:
    """Check (apply=False) or apply a CSV of one kind. Either way every row is run; the
    changes are kept only when applying and no row has a problem."""
    kind = get_kind(kind_name)
    result = ImportResult(kind.name)
    try:
        rows, result.problems = read_rows(kind, content)
    except FileProblem as refused:
        result.problems.append(refused.problem)
        return result
    result.rows = len(rows) + len(result.problems)
    try:
        with command():
            kind.apply(rows, user, result)
            if result.problems or not apply:
                raise _Discard
            result.applied = True
    except _Discard:
        pass  # rolled back: a dry run, or a file with problems
    result.problems.sort(key=lambda p: (p.row or 0, p.field or ""))
    return result


def _problem(row: Row, error: DomainError, columns, default: str | None = None) -> Problem:
    name = error.field if error.field in columns else default
    return Problem(row.number, name, error.message)


def _one_per_row(kind_columns: tuple[str, ...], key: str | None,
                 create: Callable[[dict, User], object]):
    """Rows that are each one record (an item, a supplier, a lot), each made by its own
    command, which joins the import's transaction in a savepoint. A key repeated within the
    file is named with the row it first appeared on, whether or not that row was good."""

    def apply(rows: list[Row], user: User, result: ImportResult) -> None:
        seen: dict[str, int] = {}
        for row in rows:
            value = (row.values.get(key) or "").strip() if key else ""
            if value in seen:
                result.problems.append(Problem(row.number, key, t(
                    "{column} {value} is already on row {row} of this file", column=key,
                    value=value, row=seen[value])))
                continue
            if value:
                seen[value] = row.number
            try:
                create(row.values, user)
            except DomainError as error:
                result.problems.append(_problem(row, error, kind_columns))
            else:
                result.created += 1

    return apply


# --- items, suppliers, customers, locations ------------------------------------------------------

ITEM_COLUMNS = ("sku", "name", "kind", "unit", "reorder_point", "reorder_quantity",
                "default_supplier", "shelf_life_days", "gtin", "density", "price", "archived")
PARTY_COLUMNS = ("name", "contact", "email", "phone", "address", "notes", "archived")
LOCATION_COLUMNS = ("code", "name", "kind", "archived")


def _party_creator(model):
    def create(values: dict, user: User):
        return master.create_party(model, values, user)

    return create


# --- opening stock ---------------------------------------------------------------------------

OPENING_COLUMNS = ("item", "quantity", "unit", "location", "unit_cost", "lot_code", "expiry",
                   "supplier_lot", "supplier")


def open_lot(data: Mapping, user: User) -> Lot:
    """Stock that was there before Shopfloor: a lot with origin "opening", entering the
    ledger as a receipt move referenced ("opening", None) so that the journal books it
    against opening balances rather than goods received.

    Like a receipt: quantity in any compatible unit, `unit_cost` per that unit, the expiry
    defaults to today plus the item's shelf life. Unlike one: stock already past its expiry
    is taken in (it is physically there) but arrives in quarantine.
    """
    with command() as session:
        on = today()
        incoming = read_incoming_lot(session, data, on)
        supplier = master.get_supplier(incoming.supplier_name) if incoming.supplier_name \
            else None
        status, status_reason = "available", None
        if is_expired(incoming.expiry, on):
            status = "quarantine"
            status_reason = f"opening stock expired ({incoming.expiry.isoformat()})"
        return add_lot(session, incoming, user, on, origin="opening", supplier=supplier,
                       status=status, status_reason=status_reason)


# --- recipes -----------------------------------------------------------------------------------

RECIPE_FIELDS = ("product", "yield_quantity", "unit", "labour_minutes", "labour_rate",
                 "overhead", "notes")
LINE_FIELDS = ("item", "quantity", "line_unit", "loss_percent")
RECIPE_COLUMNS = RECIPE_FIELDS + LINE_FIELDS
_NUMERIC_RECIPE_FIELDS = {"yield_quantity": parse_quantity, "labour_minutes": parse_quantity,
                          "labour_rate": parse_money, "overhead": parse_money}


def _same_value(name: str, first: str, other: str) -> bool:
    if first == other:
        return True
    parse = _NUMERIC_RECIPE_FIELDS.get(name)
    if parse is None:
        return False
    try:
        return parse(first, name) == parse(other, name)
    except DomainError:
        return False


def _group_recipes(rows: list[Row], result: ImportResult) -> list[list[Row]]:
    """Consecutive rows with the same product are one recipe; a row with the product left
    empty continues the recipe above it. A product whose rows are split up is refused: it
    would make two versions where one was meant."""
    groups: list[list[Row]] = []
    current: list[Row] | None = None
    started: dict[str, int] = {}
    for row in rows:
        product = row.values.get("product", "").strip()
        if current is not None and (not product or product == current[0].values["product"]):
            current.append(row)
            continue
        current = None
        if not product:
            result.problems.append(Problem(row.number, "product", t("product is required")))
            continue
        if product in started:
            result.problems.append(Problem(row.number, "product", t(
                "the rows of {product} must be together (it also starts on row {row})",
                product=product, row=started[product])))
            continue
        started[product] = row.number
        row.values["product"] = product
        current = [row]
        groups.append(current)
    return groups


def _check_line(row: Row, product: str, seen: dict[str, int]) -> dict:
    """A recipe line as create_recipe reads it, checked here so that a problem names
    its own row and column."""
    values = row.values
    sku = fields.text(values, "item", required=True, max_length=40)
    component = master.get_item(sku, "item")
    if component.archived:
        raise Conflict(t("{sku} is archived", sku=sku), field="item")
    if sku == product:
        raise ValidationError(t("{sku} cannot be a component of itself", sku=sku), field="item")
    if sku in seen:
        raise ValidationError(t("{sku} is already a line of this recipe on row {row}",
                                sku=sku, row=seen[sku]), field="item")
    seen[sku] = row.number
    unit = units.canonical_unit(fields.text(values, "line_unit", max_length=20)
                                or component.unit, field="line_unit")
    quantity = fields.quantity(values, "quantity")
    try:
        units.convert(quantity, unit, component.unit, component.density)
    except ValidationError as error:
        column = "quantity" if error.field == "quantity" else "line_unit"
        raise ValidationError(error.message, field=column) from None
    loss = fields.quantity(values, "loss_percent", required=False, allow_zero=True,
                           default=Decimal(0))
    if loss >= 100:
        raise ValidationError(t("loss_percent must be below 100"), field="loss_percent")
    return {"item": sku, "quantity": values.get("quantity"), "unit": unit,
            "loss_percent": values.get("loss_percent") or None}


def _apply_recipes(rows: list[Row], user: User, result: ImportResult) -> None:
    """One new recipe version per product, from its group of rows."""
    for group in _group_recipes(rows, result):
        first = group[0]
        product = first.values["product"]
        data = {name: first.values.get(name) for name in RECIPE_FIELDS}
        good = True
        for row in group[1:]:  # the recipe's own columns repeat, or are left empty
            for name in RECIPE_FIELDS[1:]:
                value = row.values.get(name, "")
                if value and not _same_value(name, data.get(name) or "", value):
                    good = False
                    result.problems.append(Problem(row.number, name, t(
                        "{column} differs from row {row}, where {product} starts",
                        column=name, row=first.number, product=product)))
        lines, rows_by_sku, seen = [], {}, {}
        for row in group:
            try:
                lines.append(_check_line(row, product, seen))
            except DomainError as error:
                good = False
                result.problems.append(_problem(row, error, RECIPE_COLUMNS, "item"))
            else:
                rows_by_sku[lines[-1]["item"]] = row
        if not lines:
            continue
        try:  # with the good lines only, so the recipe's own columns are judged too
            recipes.create_recipe({**data, "lines": lines}, user)
        except DomainError as error:
            good = False
            result.problems.append(_recipe_problem(error, first, rows_by_sku))
        if good:
            result.created += 1


def _recipe_problem(error: DomainError, first: Row, rows_by_sku: dict[str, Row]) -> Problem:
    """A refusal of the whole recipe, put on the row that causes it: for a cycle, the line
    whose component leads back to the product."""
    if error.field in RECIPE_FIELDS:
        return Problem(first.number, error.field, error.message)
    cycle = (error.details or {}).get("cycle") if isinstance(error.details, dict) else None
    if cycle and len(cycle) > 1 and cycle[1] in rows_by_sku:
        return Problem(rows_by_sku[cycle[1]].number, "item", error.message)
    return Problem(first.number, "item", error.message)


# --- the kinds -----------------------------------------------------------------------------

def _kinds() -> dict[str, ImportKind]:
    kinds = [
        ImportKind("items", ITEM_COLUMNS, ("sku", "name", "kind", "unit"), "sku",
                   (("WAX-SOY", "Soy wax", "material", "kg", "20", "50", "", "730", "", "",
                     "", ""),
                    ("CANDLE-LAV", "Lavender candle 200 g", "product", "pcs", "", "", "",
                     "365", "5942123456782", "", "45.00", "")),
                   _one_per_row(ITEM_COLUMNS, "sku", master.create_item)),
        ImportKind("suppliers", PARTY_COLUMNS, ("name",), "name",
                   (("Ceruri Naturale SRL", "Ana Pop", "ana@example.com", "+40 721 000 000",
                     "Str. Florilor 1, Cluj", "", ""),),
                   _one_per_row(PARTY_COLUMNS, "name", _party_creator(Supplier))),
        ImportKind("customers", PARTY_COLUMNS, ("name",), "name",
                   (("Magazin Verde", "Ion Ionescu", "comenzi@example.com", "", "", "", ""),),
                   _one_per_row(PARTY_COLUMNS, "name", _party_creator(Customer))),
        ImportKind("locations", LOCATION_COLUMNS, ("code", "name"), "code",
                   (("RAW-A1", "Raw materials, shelf A1", "storage", ""),
                    ("QC", "Quarantine cage", "quarantine", "")),
                   _one_per_row(LOCATION_COLUMNS, "code", master.create_location)),
        ImportKind("recipes", RECIPE_COLUMNS, ("product", "yield_quantity", "item", "quantity"),
                   None,
                   (("CANDLE-LAV", "10", "pcs", "60", "18", "4", "", "WAX-SOY", "1.8", "kg", ""),
                    ("CANDLE-LAV", "10", "pcs", "60", "18", "4", "", "WICK", "10", "", ""),
                    ("CANDLE-LAV", "10", "pcs", "60", "18", "4", "", "OIL-LAV", "50", "ml",
                     "2")),
                   _apply_recipes),
        ImportKind("opening_stock", OPENING_COLUMNS,
                   ("item", "quantity", "location", "unit_cost"), "lot_code",
                   (("WAX-SOY", "25", "kg", "RAW-A1", "4.20", "", "2027-03-31", "B-7781", ""),
                    ("CANDLE-LAV", "40", "", "FG", "11.35", "CL-2401", "", "", "")),
                   _one_per_row(OPENING_COLUMNS, "lot_code", open_lot)),
    ]
    return {kind.name: kind for kind in kinds}


KINDS: dict[str, ImportKind] = _kinds()


def get_kind(name: str) -> ImportKind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(t("no import of {name}; choose one of {kinds}",
                         name=name, kinds=", ".join(KINDS)),
                       field="kind")
    return kind


def template_csv(name: str) -> str:
    """The header and a few example rows of a kind, ready to fill in."""
    kind = get_kind(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(kind.columns)
    writer.writerows(kind.example)
    return buffer.getvalue()
