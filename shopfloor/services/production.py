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
from shopfloor.domain.availability import place_is_free
from shopfloor.domain.costing import ConsumedLot, cost_of_production
from shopfloor.domain.errors import Conflict, InsufficientStock, NotFound, ValidationError
from shopfloor.domain.messages import join, t, word
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
    RecipeLine,
)
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.models.users import User
from shopfloor.services import fields, recipes
from shopfloor.services.availability import (
    PRODUCTION_ORDER,
    available_by_item,
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


def _order_rule(order: ProductionOrder) -> rules.Recipe:
    """The order's own recipe version as the rules see it: its lines only, where
    `recipes.recipe_book` would read every recipe of the workshop to build one."""
    lines = db.session.execute(
        sa.select(Item.sku, RecipeLine.quantity, RecipeLine.loss_percent)
        .join(Item, Item.id == RecipeLine.item_id)
        .where(RecipeLine.recipe_id == order.recipe_id).order_by(RecipeLine.position)).all()
    recipe = order.recipe
    return rules.Recipe(item=order.item.sku, yield_quantity=recipe.yield_quantity,
                        lines=tuple(rules.RecipeLine(sku, quantity, loss)
                                    for sku, quantity, loss in lines),
                        labour_minutes=recipe.labour_minutes, labour_rate=recipe.labour_rate,
                        overhead=recipe.overhead)


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
        # Lock the component items so two releases cannot both count the same stock
        # (FOR NO KEY UPDATE: see availability.refuse_taking_others_reservations).
        session.execute(sa.select(Item.id).where(Item.id.in_(item_ids)).order_by(Item.id)
                        .with_for_update(key_share=True))
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


def complete_order(number: str, data: Mapping, user: User, key: str | None = None
                   ) -> Completion:
    """Consume the WIP, return what was picked but not needed, create the output lot with
    its genealogy and cost it: consumed lot costs + labour + overhead, per unit = total ÷
    produced, exact to the cent.

    What is needed of each component is its requirement scaled to the produced quantity,
    unless `consumed` ([{item, quantity}]) says what was really used.
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

        use = _usage(order, data, produced)
        holdings = _wip_holdings(session, order)
        consumed: list[tuple[Lot, Decimal]] = []
        to_return: list[tuple[Lot, Decimal]] = []
        left = dict(use)
        for lot, quantity in holdings:
            take = min(quantity, left.get(lot.item_id, ZERO))
            left[lot.item_id] = left.get(lot.item_id, ZERO) - take
            if take > 0:
                consumed.append((lot, take))
            if quantity - take > 0:
                to_return.append((lot, quantity - take))
        short = {item_id: q for item_id, q in left.items() if q > 0}
        if short:
            names = ", ".join(_sku(order, item_id) for item_id in short)
            raise InsufficientStock(t("not enough picked to complete {order}: {names}",
                                      order=order.number, names=names),
                                    field="consumed")

        recipe = order.recipe
        cost = cost_of_production(
            [ConsumedLot(lot.code, quantity, lot.unit_cost) for lot, quantity in consumed],
            recipe.labour_minutes, recipe.labour_rate, recipe.overhead,
            recipe.yield_quantity, order.planned_quantity, produced)
        output = Lot(code=lot_code or generate_lot_code(session, order.item, on),
                     item=order.item, origin="production", received_on=on, expiry=expiry,
                     unit_cost=cost.unit_cost, status="available", created_by_id=user.id)
        session.add(output)
        session.flush()
        reference = ("production_order", order.id)
        line_cost = {line.lot_code: line.cost for line in cost.lines}
        # Each balance row below is locked and changed once per loop, so the rows are
        # written together at the next flush rather than one statement at a time (a flush
        # before every lock, with autoflush). The consumes are flushed before the returns:
        # a lot partly consumed and partly returned has its WIP balance changed by both.
        with session.no_autoflush:
            for lot, quantity in consumed:
                post_move(session, lot=lot, quantity=quantity, reason="consume",
                          user_id=user.id, from_location=order.wip_location,
                          reference=reference, key=key)
                session.add(LotLink(input_lot=lot, output_lot=output, order_id=order.id,
                                    quantity=quantity, cost=line_cost[lot.code]))
            session.flush()
            if to_return:
                _load_pick_locations(order)
            for lot, quantity in to_return:
                post_move(session, lot=lot, quantity=quantity, reason="return",
                          user_id=user.id, from_location=order.wip_location,
                          to_location=_return_location(order, lot), reference=reference,
                          key=key)
            post_move(session, lot=output, quantity=produced, reason="produce",
                      user_id=user.id, to_location=location, reference=reference, key=key)
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
        lot_ids = [output.id] + [lot.id for lot, _quantity in consumed]
    # The commit expired every object: read the lots back in one query, not one each.
    db.session.scalars(sa.select(Lot).where(Lot.id.in_(lot_ids))).all()
    return Completion(order, output, [(lot, quantity, line_cost[lot.code])
                                      for lot, quantity in consumed])


def _load_pick_locations(order: ProductionOrder) -> None:
    """Where the order's picks came from, in one query (returns go back there)."""
    picks = order.picks
    places = {place.id: place for place in db.session.scalars(
        sa.select(Location).where(Location.id.in_({p.from_location_id for p in picks})))}
    for picked in picks:
        set_committed_value(picked, "from_location", places[picked.from_location_id])


def _sku(order: ProductionOrder, item_id: int) -> str:
    return next(req.item.sku for req in order.requirements if req.item_id == item_id)


def _usage(order: ProductionOrder, data: Mapping, produced: Decimal) -> dict[int, Decimal]:
    """How much of each component the produced quantity used."""
    given = data.get("consumed")
    if given:
        if not isinstance(given, list):
            raise ValidationError(t("consumed must be a list of {item, quantity}"),
                                  field="consumed")
        by_sku = {req.item.sku: req for req in order.requirements}
        usage = {}
        for row in given:
            if not isinstance(row, Mapping):
                raise ValidationError(t("consumed must be a list of {item, quantity}"),
                                      field="consumed")
            sku = fields.text(row, "item", required=True, max_length=40)
            if sku not in by_sku:
                raise ValidationError(t("{sku} is not a component of {order}",
                                        sku=sku, order=order.number),
                                      field="consumed")
            usage[by_sku[sku].item_id] = fields.quantity(row, "quantity", allow_zero=True)
        return usage
    scaled = rules.required_for(_order_rule(order), produced)
    return {req.item_id: min(req.picked, scaled.get(req.item.sku, ZERO))
            for req in order.requirements}


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
