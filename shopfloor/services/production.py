"""Production orders: create, release (reserve), pick by scan with FEFO enforced, complete
with exact cost and genealogy, cancel. Each public function is one command."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from shopfloor.database import command
from shopfloor.domain import fefo
from shopfloor.domain import order_lifecycle as lifecycle
from shopfloor.domain import recipes as rules
from shopfloor.domain.availability import is_usable, place_is_free
from shopfloor.domain.costing import ConsumedLot, cost_of_production
from shopfloor.domain.errors import (
    Conflict,
    DomainError,
    InsufficientStock,
    NotFound,
    ValidationError,
)
from shopfloor.domain.messages import Message, join, t, word
from shopfloor.domain.quantities import MAX_MAGNITUDE, ZERO, format_quantity, to_api
from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Item, Location
from shopfloor.models.production import (
    OPEN_STATUSES,
    LotLink,
    OrderRequirement,
    ProductionOrder,
    ProductionPick,
)
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.models.users import User
from shopfloor.services import fields, recipes
from shopfloor.services.availability import (
    PRODUCTION_ORDER,
    available_by_item,
    lock_items,
    lot_to_take,
    place_to_take_from,
    refuse_taking_others_reservations,
    reserved_by_item,
    stock_lots,
    usable_by_item,
)
from shopfloor.services.clock import today
from shopfloor.services.lookups import the_one
from shopfloor.services.master import get_item, get_location, get_lot
from shopfloor.services.numbering import generate_lot_code, next_number
from shopfloor.services.sales_holds import hold_output
from shopfloor.services.settings import setting
from shopfloor.services.stock import post_move

ORDER_NUMBER = re.compile(r"^MO-\d{6,}$", re.IGNORECASE)


# --- lookups -----------------------------------------------------------------------------------

def find_order_number(code: str) -> str | None:
    """For the scanner: an order number as printed on a traveller."""
    if not ORDER_NUMBER.match(code.strip()):
        return None
    return db.session.scalar(sa.select(ProductionOrder.number).where(
        ProductionOrder.number == code.strip().upper()))


def get_order(number: str, *, lock: bool = False) -> ProductionOrder:
    return the_one(ProductionOrder, ProductionOrder.number, number,
                   lambda: t("no production order {number}", number=number), "number",
                   lock=lock)


def _holder(order: ProductionOrder) -> tuple[str, int]:
    """The order as the holder of its reservations."""
    return (PRODUCTION_ORDER, order.id)


def _policy() -> str:
    return setting("picking_policy")


def _load_components(order: ProductionOrder) -> None:
    """The items of an order's requirements in one query, so that `req.item` is found in
    the session rather than asked for one requirement at a time."""
    requirements = order.requirements
    items = {item.id: item for item in db.session.scalars(
        sa.select(Item).where(Item.id.in_([req.item_id for req in requirements])))}
    for req in requirements:
        set_committed_value(req, "item", items[req.item_id])


# --- create and release ----------------------------------------------------------------------

@dataclass
class RequirementView:
    item: Item
    required: Decimal
    available: Decimal
    shortage: Decimal
    picked: Decimal = ZERO
    reserved: Decimal = ZERO


def requirement_views(order: ProductionOrder, on: date) -> list[RequirementView]:
    """Each requirement with what the order may count on: usable stock less what OTHER
    holders reserved. The order's own reservation is a claim on that same stock, not more
    of it, so it is not added back (available never exceeds what is usable)."""
    item_ids = [req.item_id for req in order.requirements]
    available = available_by_item(item_ids, on, excluding=_holder(order))
    views = []
    for req in order.requirements:
        have = available.get(req.item_id, ZERO)
        need = req.remaining if lifecycle.holds_reservations(order.status) else req.required
        views.append(RequirementView(req.item, req.required, have, max(need - have, ZERO),
                                     req.picked, req.reserved))
    return views


def create_order(data: Mapping, user: User) -> ProductionOrder:
    """A draft order for a product or intermediate, with requirements scaled from its
    current recipe (POST /production-orders)."""
    with command() as session:
        item = get_item(fields.text(data, "product", required=True, max_length=40), "product")
        recipe = recipes.get_recipe(item)
        quantity = fields.quantity(data, "quantity")
        due_on = fields.iso_date(data, "due_date")
        book = recipes.recipe_book({item.sku: recipe})
        needs = rules.required_for(book[item.sku], quantity)
        too_much = [sku for sku, need in needs.items() if need > MAX_MAGNITUDE]
        if too_much:
            raise ValidationError(t("quantity is too large: it would need more than 10^12 of "
                                    "{sku}", sku=too_much[0]), field="quantity")
        items = {i.sku: i for i in session.scalars(sa.select(Item).where(Item.sku.in_(needs)))}
        order = ProductionOrder(
            number=f"MO-{next_number(session, 'production_order'):06d}", recipe=recipe,
            item=item, planned_quantity=quantity, due_on=due_on, status=lifecycle.DRAFT,
            created_by_id=user.id,
            requirements=[OrderRequirement(position=n, item=items[sku], required=required)
                          for n, (sku, required) in enumerate(needs.items())])
        session.add(order)
    return order


def release_order(number: str, user: User) -> ProductionOrder:
    """Reserve every requirement. Refused (409) with the list of shortages when anything is
    short — an intermediate included — with orders to plan for missing intermediates."""
    with command() as session:
        order = get_order(number, lock=True)
        lifecycle.require(lifecycle.RELEASE, order.number, order.status)
        item_ids = sorted(req.item_id for req in order.requirements)
        lock_items(session, item_ids)  # two releases never count the same stock
        on = today()
        available = available_by_item(item_ids, on)
        shortages = [(req, available.get(req.item_id, ZERO)) for req in order.requirements
                     if available.get(req.item_id, ZERO) < req.required]
        if shortages:
            book = recipes.recipe_book({order.item.sku: order.recipe})
            details = {
                "shortages": [
                    {"item": req.item.sku, "required": to_api(req.required),
                     "available": to_api(have), "shortage": to_api(req.required - have)}
                    for req, have in shortages],
                "plan": [{"item": req.item.sku, "quantity": to_api(req.required - have)}
                         for req, have in shortages if req.item.sku in book],
            }
            names = join(t("{sku} (short {quantity} {unit})", sku=req.item.sku,
                           quantity=format_quantity(req.required - have), unit=req.item.unit)
                         for req, have in shortages)
            raise InsufficientStock(t("not enough stock to release {order}: {names}",
                                      order=order.number, names=names),
                                    field="requirements", details=details)
        for req in order.requirements:
            req.reserved = req.required
        wip = Location(code=f"WIP-{order.number}", name=f"Work in progress {order.number}",
                       kind="wip")
        session.add(wip)
        order.wip_location = wip
        order.status = lifecycle.after(lifecycle.RELEASE, order.status)
        order.released_at = utcnow()
    return order


# --- suggestions and picks --------------------------------------------------------------------

@dataclass
class RequirementSuggestion:
    requirement: OrderRequirement
    picks: list[fefo.Suggestion] = field(default_factory=list)
    shortage: Decimal = ZERO
    expiries: dict[str, date | None] = field(default_factory=dict)


def suggestions(order: ProductionOrder, on: date | None = None) -> list[RequirementSuggestion]:
    """For each requirement, the lots to use in FEFO order covering what is still needed,
    with their locations. Expired, quarantined and rejected lots never appear. Stock
    reserved by other orders is left to them."""
    on = on or today()
    _load_components(order)
    item_ids = [req.item_id for req in order.requirements]
    lots_by_item = stock_lots(item_ids, on)
    # What usable_by_item would say, from the same lots: one query fewer.
    usable = {item_id: sum((lot.on_hand for lot in lots), ZERO)
              for item_id, lots in lots_by_item.items()}
    others = reserved_by_item(item_ids, excluding=_holder(order))
    policy = _policy()
    result = []
    for req in order.requirements:
        lots = lots_by_item.get(req.item_id, [])
        free = max(usable.get(req.item_id, ZERO) - others.get(req.item_id, ZERO), ZERO)
        need = min(req.remaining, free) if lifecycle.holds_reservations(order.status) \
            else req.remaining
        found = fefo.suggest_lots(lots, need, on, policy)
        result.append(RequirementSuggestion(
            req, list(found.picks), req.remaining - found.total,
            {lot.code: lot.expiry for lot in lots}))
    return result


def pick(number: str, data: Mapping, user: User, key: str | None = None) -> ProductionPick:
    """Move a scanned lot quantity into the order's work in progress.

    Refused with 422 when the lot is expired, quarantined or rejected (saying which), and
    with 409 when another lot expires sooner and no reason is given; the reason is kept.
    Stock reserved for other orders cannot be taken.
    """
    with command() as session:
        order = get_order(number, lock=True)
        lifecycle.require(lifecycle.PICK, order.number, order.status)
        lot = get_lot(fields.text(data, "lot", required=True, max_length=80))
        requirement = next((r for r in order.requirements if r.item_id == lot.item_id), None)
        if requirement is None:
            raise ValidationError(t("{sku} is not needed for {order}",
                                    sku=lot.item.sku, order=order.number),
                                  field="lot")
        on = today()
        this, candidates = lot_to_take(lot, on)
        if not this.locations:  # used up (or only in quarantine or WIP): a conflict, not a 404
            raise InsufficientStock(t("nothing of lot {lot} is left in a free location",
                                      lot=lot.code),
                                    field="lot")
        override = fields.text(data, "override_reason", max_length=500)
        if not fefo.is_first_choice(lot.code, candidates, on, _policy()) and not override:
            first = fefo.suggest_lots(candidates, Decimal("0.000001"), on, _policy()).picks
            sooner = first[0].lot_code if first else t("another lot")
            raise Conflict(t("{sooner} expires sooner than {lot}; give a reason to use {lot} "
                             "first", sooner=sooner, lot=lot.code),
                           field="override_reason", code="not_first",
                           details={"first_choice": sooner})
        location = place_to_take_from(data, this)
        if not place_is_free(location.kind):  # another order's WIP, quarantine
            raise ValidationError(t("nothing is picked from {location}: it holds {kind} stock",
                                    location=location.code, kind=word(location.kind)),
                                  field="location")
        quantity = fields.quantity_of(data, "quantity", lot.item, required=False)
        if quantity is None:  # a bare scan takes what is still needed, as far as it goes
            if requirement.remaining <= 0:
                raise ValidationError(
                    t("{sku} is already fully picked; give a quantity to pick more",
                      sku=requirement.item.sku), field="quantity")
            quantity = min(requirement.remaining, next(
                (p.quantity for p in this.locations if p.location == location.code), ZERO))
        if quantity <= 0:
            raise ValidationError(t("quantity must be greater than zero"), field="quantity")
        refuse_taking_others_reservations(session, requirement.item, quantity, on,
                                          holder=_holder(order))
        move = post_move(session, lot=lot, quantity=quantity, reason="pick", user_id=user.id,
                         from_location=location, to_location=order.wip_location,
                         reference=("production_order", order.id), note=override, key=key)
        session.flush()
        picked = ProductionPick(order=order, requirement=requirement, lot=lot,
                                from_location=location, quantity=quantity,
                                override_reason=override if override else None, move=move,
                                user_id=user.id)
        session.add(picked)
        requirement.picked += quantity
        requirement.reserved = max(requirement.reserved - quantity, ZERO)
        order.status = lifecycle.after(lifecycle.PICK, order.status)
    return picked


def undo_note(pick_id: int) -> str:
    """The note on the return move that undoes a pick: how an undone pick is recognised."""
    return f"undo of pick {pick_id}"


def undone_pick_ids(order: ProductionOrder) -> set[int]:
    """The order's picks that were undone (each by one return move carrying `undo_note`)."""
    notes = db.session.scalars(
        sa.select(StockMove.note).where(
            StockMove.reference_type == "production_order", StockMove.reference_id == order.id,
            StockMove.reason == "return", StockMove.note.like("undo of pick %")))
    return {int(note.rsplit(" ", 1)[1]) for note in notes}


def undo_pick(number: str, pick_id: int, user: User, key: str | None = None) -> StockMove:
    """Put a pick back, as the operator's undo just after a scan picked the wrong thing:
    a return move from the order's work in progress to where the lot was picked from, and
    the requirement counts it as needed (and reserved) again. The pick itself stays in the
    ledger; a pick is undone once, and only while its quantity is still in the WIP."""
    with command() as session:
        order = get_order(number, lock=True)
        lifecycle.require(lifecycle.PICK, order.number, order.status)
        picked = session.get(ProductionPick, pick_id)
        if picked is None or picked.order_id != order.id:
            raise NotFound(t("no pick {pick} on {order}", pick=pick_id, order=order.number),
                           field="pick")
        if pick_id in undone_pick_ids(order):
            raise Conflict(t("pick {pick} of lot {lot} is already undone",
                             pick=pick_id, lot=picked.lot.code), field="pick")
        move = post_move(session, lot=picked.lot, quantity=picked.quantity, reason="return",
                         user_id=user.id, from_location=order.wip_location,
                         to_location=picked.from_location,
                         reference=("production_order", order.id), note=undo_note(pick_id),
                         key=key)
        requirement = picked.requirement
        requirement.picked -= picked.quantity
        requirement.reserved = min(requirement.reserved + picked.quantity,
                                   max(requirement.required - requirement.picked, ZERO))
    return move


# --- complete and cancel ------------------------------------------------------------------------

@dataclass
class Completion:
    order: ProductionOrder
    output_lot: Lot
    consumed: list[tuple[Lot, Decimal, Decimal]]  # lot, quantity, cost
    scrapped: list[tuple[Lot, Decimal, Decimal]] = field(default_factory=list)
    returned: list[tuple[Lot, Decimal, Location]] = field(default_factory=list)


def _wip_holdings(session, order: ProductionOrder) -> list[tuple[Lot, Decimal]]:
    """What is in the order's WIP now, per lot, soonest-expiring first (consumed first)."""
    rows = session.execute(
        sa.select(Lot, Balance.quantity).join(Balance, Balance.lot_id == Lot.id)
        .where(Balance.location_id == order.wip_location_id, Balance.quantity > 0)
        .order_by(Lot.expiry.is_(None), Lot.expiry, Lot.received_on, Lot.code)).all()
    return [(lot, quantity) for lot, quantity in rows]


def _return_location(order: ProductionOrder, lot: Lot) -> Location:
    """Material goes back where it was picked from (the latest pick of that lot)."""
    for picked in reversed(order.picks):
        if picked.lot_id == lot.id:
            return picked.from_location
    raise ValidationError(t("lot {lot} was not picked for {order}",
                            lot=lot.code, order=order.number),
                          field="lot")


@dataclass
class _Line:
    """One `returns` or `scrap` line of a completion, read and checked."""

    lot: Lot
    quantity: Decimal
    location: Location | None = None  # returns: where it goes back
    reason: str | None = None  # scrap: why it was lost


def _lines_path(name: str, index: int, inner: str | None) -> str:
    return f"{name}[{index}].{inner}" if inner else f"{name}[{index}]"


def _read_lines(order: ProductionOrder, data: Mapping, name: str,
                held: dict[str, tuple[Lot, Decimal]]) -> list[_Line]:
    """`returns` or `scrap` lines: each names a lot in this order's work in progress, a
    quantity of it (in `unit`, the item's base unit when absent) and where it goes back to
    (a free place) or why it was lost. A refusal names the line's field by its path
    (`returns[0].quantity`), as the API's shape errors do."""
    given = data.get(name)
    if given is None or given == []:
        return []
    if not isinstance(given, list):
        raise ValidationError(t("{field} must be a list", field=name), field=name)
    lines = []
    for index, row in enumerate(given):
        try:
            lines.append(_read_line(order, row, name, held))
        except DomainError as error:
            path = _lines_path(name, index, error.field)
            message = error.message
            if isinstance(message, Message) and message.params.get("field") == error.field:
                message = Message(message.template, {**message.params, "field": path})
            error.message, error.field = message, path
            raise
    return lines


def _read_line(order: ProductionOrder, row, name: str,
               held: dict[str, tuple[Lot, Decimal]]) -> _Line:
    if not isinstance(row, Mapping):
        raise ValidationError(t("each line needs lot and quantity"), field=None)
    code = fields.text(row, "lot", required=True, max_length=80)
    if code not in held:
        raise ValidationError(t("lot {lot} is not in the work in progress of {order}: only "
                                "what was picked for it can be returned or scrapped",
                                lot=code, order=order.number), field="lot")
    lot = held[code][0]
    quantity = fields.quantity_of(row, "quantity", lot.item)
    if quantity <= 0:
        raise ValidationError(t("quantity must be greater than zero"), field="quantity")
    if name == "returns":
        location = get_location(fields.text(row, "location", required=True, max_length=40))
        if not place_is_free(location.kind):
            raise ValidationError(t("nothing is returned to {location}: it holds {kind} "
                                    "stock", location=location.code,
                                    kind=word(location.kind)), field="location")
        return _Line(lot, quantity, location=location)
    reason = fields.text(row, "reason", required=True, max_length=500)
    return _Line(lot, quantity, reason=reason)


def complete_order(number: str, data: Mapping, user: User, key: str | None = None
                   ) -> Completion:
    """Consume what the order's work in progress holds, create the output lot with its
    genealogy and cost it: consumed (and scrapped) lot costs + labour + overhead, per unit
    = total ÷ produced, exact to the cent.

    Everything picked into the work in progress is consumed except what `returns`
    ([{lot, quantity, unit?, location}]) puts back on a shelf and what `scrap` ([{lot,
    quantity, unit?, reason}]) writes off (DESIGN.md 8.0); each required component must
    have something consumed, so the output's genealogy names a lot of each.
    """
    with command() as session:
        order = get_order(number, lock=True)
        lifecycle.require(lifecycle.COMPLETE, order.number, order.status)
        _load_components(order)
        produced = fields.quantity_of(data, "quantity", order.item)
        location = _output_location(data)
        on = today()
        expiry = fields.iso_date(data, "expiry")
        if expiry is None and order.item.shelf_life_days is not None:
            expiry = on + timedelta(days=order.item.shelf_life_days)
        lot_code = fields.text(data, "lot_code", max_length=80)
        if lot_code and session.scalar(sa.select(Lot.id).where(Lot.code == lot_code)):
            raise Conflict(t("lot code {code} is already in use", code=lot_code), field="lot_code")

        holdings = _wip_holdings(session, order) if order.wip_location_id else []
        held = {lot.code: (lot, quantity) for lot, quantity in holdings}
        returns = _read_lines(order, data, "returns", held)
        scrap = _read_lines(order, data, "scrap", held)
        taken: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for name, lines in (("returns", returns), ("scrap", scrap)):
            for index, line in enumerate(lines):
                taken[line.lot.code] += line.quantity
                in_wip = held[line.lot.code][1]
                if taken[line.lot.code] > in_wip:
                    raise ValidationError(
                        t("lot {lot}: {taken} {unit} returned and scrapped is more than the "
                          "{held} {unit} in the work in progress of {order}",
                          lot=line.lot.code, taken=format_quantity(taken[line.lot.code]),
                          held=format_quantity(in_wip), unit=line.lot.item.unit,
                          order=order.number),
                        field=_lines_path(name, index, "quantity"),
                        details={"lot": line.lot.code, "held": to_api(in_wip)})
        consumed = [(lot, quantity - taken[lot.code]) for lot, quantity in holdings
                    if quantity - taken[lot.code] > 0]
        used = {lot.item_id for lot, _quantity in consumed}
        unused = [req.item.sku for req in order.requirements
                  if req.required > 0 and req.item_id not in used]
        if unused:
            raise InsufficientStock(t("nothing of {names} would be consumed by {order}: pick "
                                      "what was used before completing",
                                      names=", ".join(unused), order=order.number),
                                    field="quantity", details={"items": unused})

        recipe = order.recipe
        cost = cost_of_production(
            [ConsumedLot(lot.code, quantity, lot.unit_cost) for lot, quantity in consumed],
            recipe.labour_minutes, recipe.labour_rate, recipe.overhead,
            recipe.yield_quantity, order.planned_quantity, produced,
            scrapped=[ConsumedLot(line.lot.code, line.quantity, line.lot.unit_cost)
                      for line in scrap])
        output = Lot(code=lot_code or generate_lot_code(session, order.item, on),
                     item=order.item, origin="production", received_on=on, expiry=expiry,
                     unit_cost=cost.unit_cost, status="available", created_by_id=user.id)
        session.add(output)
        session.flush()
        reference = ("production_order", order.id)
        line_cost = {line.lot_code: line.cost for line in cost.lines}
        scrap_cost = {line.lot_code: line.cost for line in cost.scrap_lines}
        # Each balance row below is locked and changed once per loop, so the rows are
        # written together at the next flush rather than one statement at a time (a flush
        # before every lock, with autoflush). The consumes are flushed before the returns
        # and scraps: a lot partly consumed and partly returned has its WIP balance changed
        # by both.
        with session.no_autoflush:
            for lot, quantity in consumed:
                post_move(session, lot=lot, quantity=quantity, reason="consume",
                          user_id=user.id, from_location=order.wip_location,
                          reference=reference, key=key)
                session.add(LotLink(input_lot=lot, output_lot=output, order_id=order.id,
                                    quantity=quantity, cost=line_cost[lot.code]))
            session.flush()
            for line in returns:
                post_move(session, lot=line.lot, quantity=line.quantity, reason="return",
                          user_id=user.id, from_location=order.wip_location,
                          to_location=line.location, reference=reference, key=key)
                session.flush()  # the same lot may be on two lines
            for line in scrap:
                post_move(session, lot=line.lot, quantity=line.quantity, reason="scrap",
                          user_id=user.id, from_location=order.wip_location,
                          reference=reference, note=line.reason, key=key)
                session.flush()
            post_move(session, lot=output, quantity=produced, reason="produce",
                      user_id=user.id, to_location=location, reference=reference, key=key)
        if order.sales_order_id is not None and is_usable(output.status, expiry, location.kind,
                                                          on):
            # Made for a customer's order: held for it, so nobody else takes it first.
            hold_output(session, order.sales_order_id, order.item, produced)
        consumed_by_item: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for lot, quantity in consumed:
            consumed_by_item[lot.item_id] += quantity
        for req in order.requirements:
            req.reserved = ZERO
            req.consumed = consumed_by_item.get(req.item_id, ZERO)
        order.status = lifecycle.after(lifecycle.COMPLETE, order.status)
        order.completed_at = utcnow()
        order.produced_quantity = produced
        order.output_lot = output
        order.material_cost, order.labour_cost = cost.material_cost, cost.labour_cost
        order.overhead_cost, order.total_cost = cost.overhead_cost, cost.total_cost
        lot_ids = [output.id] + [lot.id for lot, _quantity in holdings]
        returned = [(line.lot, line.quantity, line.location) for line in returns]
        scrapped_total: dict[str, Decimal] = defaultdict(lambda: ZERO)
        scrap_lots = {}
        for line in scrap:
            scrapped_total[line.lot.code] += line.quantity
            scrap_lots[line.lot.code] = line.lot
    # The commit expired every object: read the lots back in one query, not one each.
    db.session.scalars(sa.select(Lot).where(Lot.id.in_(lot_ids))).all()
    return Completion(order, output,
                      [(lot, quantity, line_cost[lot.code]) for lot, quantity in consumed],
                      [(scrap_lots[code], quantity, scrap_cost[code])
                       for code, quantity in scrapped_total.items()],
                      returned)


def _output_location(data: Mapping) -> Location:
    code = fields.text(data, "location", max_length=40) or setting("output_location")
    if code:
        location = get_location(code)
    else:
        location = db.session.scalar(
            sa.select(Location).where(Location.kind == "storage", Location.archived.is_(False))
            .order_by(Location.code).limit(1))
        if location is None:
            raise ValidationError(t("say where the output goes"), field="location")
    if location.kind == "wip":  # quarantine is allowed: a batch may wait for its QC
        raise ValidationError(t("the output cannot go into work in progress"), field="location")
    return location


def cancel_order(number: str, user: User, key: str | None = None) -> ProductionOrder:
    """Release the reservations and return picked material where it came from."""
    with command() as session:
        order = get_order(number, lock=True)
        lifecycle.require(lifecycle.CANCEL, order.number, order.status)
        if order.wip_location_id is not None:
            for lot, quantity in _wip_holdings(session, order):
                post_move(session, lot=lot, quantity=quantity, reason="return",
                          user_id=user.id, from_location=order.wip_location,
                          to_location=_return_location(order, lot),
                          reference=("production_order", order.id), key=key)
        for req in order.requirements:
            req.reserved = ZERO
        order.status = lifecycle.after(lifecycle.CANCEL, order.status)
        order.cancelled_at = utcnow()
    return order


# --- planning -----------------------------------------------------------------------------------

@dataclass
class PlanningLine:
    item: Item
    required: Decimal
    picked: Decimal
    on_hand: Decimal
    shortage: Decimal
    orders: list[str]
    blocked: list[str]


def planning(on: date | None = None) -> list[PlanningLine]:
    """What every open order still needs of each material against stock, with shortages
    and the orders they block (drafts that cannot be released)."""
    on = on or today()
    rows = db.session.execute(
        sa.select(OrderRequirement, ProductionOrder.number, ProductionOrder.status)
        .join(ProductionOrder, ProductionOrder.id == OrderRequirement.order_id)
        .where(ProductionOrder.status.in_(OPEN_STATUSES))
        .order_by(ProductionOrder.due_on.is_(None), ProductionOrder.due_on,
                  ProductionOrder.number)).all()
    item_ids = {req.item_id for req, _, _ in rows}
    usable = usable_by_item(item_ids, on)
    lines: dict[int, PlanningLine] = {}
    for req, number, status in rows:
        line = lines.get(req.item_id)
        if line is None:
            line = lines[req.item_id] = PlanningLine(req.item, ZERO, ZERO,
                                                     usable.get(req.item_id, ZERO), ZERO, [],
                                                     [])
        still = req.remaining if not lifecycle.is_draft(status) else req.required
        line.required += still
        line.picked += req.picked
        line.orders.append(number)
        # Released orders already hold their stock; a shortage blocks drafts from release.
        if lifecycle.is_draft(status) and line.required > line.on_hand:
            line.blocked.append(number)
    for line in lines.values():
        line.shortage = max(line.required - line.on_hand, ZERO)
    return sorted(lines.values(), key=lambda line: (-line.shortage, line.item.sku))
