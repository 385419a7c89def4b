"""JSON API for shipments, genealogy and recall (docs/ARCHITECTURE.md, "Contracts")."""

from __future__ import annotations

import orjson
from flask import request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import serializers as out
from shopfloor.api import shapes as S
from shopfloor.api import types as T
from shopfloor.api.blueprint import bp, payload
from shopfloor.api.openapi import Query, operation
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import scaled_to_api
from shopfloor.http.idempotency import idempotent, request_key
from shopfloor.json import large_response
from shopfloor.services import fields, genealogy, shipping
from shopfloor.services.stock import get_lot


def shipment_json(shipment) -> dict:
    return {"number": shipment.number, "customer": shipment.customer.name,
            "reference": shipment.reference, "date": shipment.shipped_on,
            "lines": [{"lot": line.lot.code, "item": line.lot.item.sku,
                       "location": line.location.code, "quantity": out.quantity(line.quantity)}
                      for line in shipment.lines]}


def facts_json(facts: genealogy.LotFacts) -> dict:
    # Dates written here, not by the JSON provider's fallback: a trace writes tens of
    # thousands of them, and the encoder calls back into Python for each one it can't write.
    return {"code": facts.code, "item": facts.sku, "item_name": facts.item_name,
            "unit": facts.unit, "origin": facts.origin, "status": facts.status,
            "expiry": facts.expiry.isoformat() if facts.expiry else None,
            "received_on": facts.received_on.isoformat() if facts.received_on else None,
            "supplier": facts.supplier, "supplier_lot": facts.supplier_lot}


def tree_json(found: genealogy.Trace) -> dict:
    """A trace tree as JSON, straight from the rows the trace read (43,682 nodes for the
    bench's backward trace): each lot's facts as the database wrote them (orjson writes a
    Fragment as it is), each quantity written once per value.

    orjson nests at most 255 levels (two per level of the tree), and a chain of daily
    batches can be hundreds of levels deep: a node every FRAGMENT_LEVELS levels down is
    written out there and then, and its parent holds the text."""
    facts = {lot_id: orjson.Fragment(text) for lot_id, (text, _kind) in found.facts.items()}
    amounts = {scaled: scaled_to_api(scaled)
               for scaled in {scaled for links in found.links.values() for _, scaled in links}}
    amounts[None] = None  # the root's

    def node(lot_id, scaled, children, depth):
        if children is None:  # expanded elsewhere in this tree
            return {"lot": facts[lot_id], "quantity": amounts[scaled], "children": [],
                    "repeated": True}
        made = {"lot": facts[lot_id], "quantity": amounts[scaled], "children": children}
        if depth % FRAGMENT_LEVELS or not depth:
            return made
        return orjson.Fragment(orjson.dumps(made))

    return found.tree(node)


FRAGMENT_LEVELS = 100


def shipment_row_json(row: genealogy.ShipmentRow) -> dict:
    return {"shipment": row.number, "customer": row.customer, "date": row.shipped_on,
            "reference": row.reference, "lot": row.lot, "quantity": out.quantity(row.quantity)}


@bp.post("/shipments")
@allow("operator")
@idempotent
@operation("Ship lots to a customer", "Shipping", ok=201, answer=S.Shipment,
           body=S.ShipmentInput, errors="404 409")
def create_shipment():
    return shipment_json(shipping.ship(payload(), current_user, key=request_key())), 201


@bp.get("/shipments/<number>")
@allow("operator")
@operation("A shipment", "Shipping", answer=S.Shipment,
           path={"number": "The shipment's number (SH-000001)."})
def get_shipment(number):
    return shipment_json(shipping.get_shipment(number))


@bp.get("/lots/<path:code>/trace")
@allow("operator")
@operation("The genealogy tree of a lot", "Traceability", answer=S.Trace,
           path={"code": "The lot's code (it may contain /)."}, query=(
               Query("direction", T.choice(("backward", "forward")),
                     "Backward to inputs or forward to what was made from it and where it "
                     "went.", default="backward"),))
@genealogy.without_cycle_collection
def trace_lot(code):
    direction = request.args.get("direction", genealogy.BACKWARD)
    if direction not in (genealogy.BACKWARD, genealogy.FORWARD):
        raise ValidationError(t("direction must be backward or forward"), field="direction")
    found = genealogy.trace(get_lot(code, field="code"), direction)
    body = {"direction": direction, "lot_count": found.lot_count, "tree": tree_json(found)}
    if direction == genealogy.FORWARD:
        body["shipments"] = [shipment_row_json(row) for row in found.shipments]
    return large_response(body)  # written here, while the collector is paused


def recall_json(report: genealogy.Recall) -> dict:
    return {
        "lots_requested": report.starting,
        "customers": report.customers,
        "balanced": report.balanced,
        "lots": [{**facts_json(lot.facts),
                  "locations": [{"location": code, "quantity": out.quantity(quantity)}
                                for code, _name, quantity in lot.locations],
                  "mass_balance": {
                      "received": out.quantity(lot.balance.received),
                      "consumed": out.quantity(lot.balance.consumed),
                      "shipped": out.quantity(lot.balance.shipped),
                      "adjusted": out.quantity(lot.balance.adjusted),
                      "scrapped": out.quantity(lot.balance.scrapped),
                      "on_hand": out.quantity(lot.balance.on_hand),
                      "discrepancy": out.quantity(lot.balance.discrepancy)}}
                 for lot in report.lots],
        "shipments": [shipment_row_json(row) for row in report.shipments],
    }


def recall_from_request(source) -> genealogy.Recall:
    codes = [code for value in source.getlist("lot") for code in value.split(",")]
    return genealogy.recall(codes, include_inputs=source.get("include_inputs") in ("1", "true"))


@bp.get("/recall")
@allow("supervisor")
@operation("Recall report: every affected lot and shipment", "Traceability",
           answer=S.Recall, errors="404", query=(
               Query("lot", T.text(2000, min_length=1),
                     "Lot codes (repeat the parameter or separate with commas).",
                     required=True, many=True),
               Query("include_inputs", T.choice(("0", "1", "true", "false")),
                     "Also go back to the supplier lots first.")))
@genealogy.without_cycle_collection
def get_recall():
    # Written here, while the collector is paused.
    return large_response(recall_json(recall_from_request(request.args)))


@bp.post("/recall/quarantine")
@allow("supervisor")
@idempotent
@operation("Quarantine every affected lot that still has stock", "Traceability",
           answer=S.RecallQuarantine, body=S.RecallQuarantineInput, errors="404")
def quarantine_recall():
    data = payload()
    lots = data.get("lots") or data.get("lot") or []
    if isinstance(lots, str):
        lots = lots.split(",")
    if not isinstance(lots, list) or not all(isinstance(code, str) for code in lots):
        raise ValidationError(t("lots must be a list of lot codes"), field="lots")
    reason = fields.text(data, "reason", max_length=500) or ""
    report = genealogy.recall(
        lots, include_inputs=bool(fields.boolean(data, "include_inputs", default=False)))
    held = genealogy.quarantine_recalled(report, reason, current_user)
    return {"quarantined": held}
