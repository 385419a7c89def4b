"""Label printers (docs/ARCHITECTURE.md, "Phones and printers"): admins add them; operators
send a label straight to one.

Sending a label changes nothing in the books, so it is no transaction: it happens after the
command that made the lot has committed (a receipt that prints by itself stays received
when the printer is off, and its label can be sent again from the lot's label page), and it
never holds the database while it waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.domain.errors import Conflict, NotFound, PrinterUnreachable, ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.labels import png, send, zpl
from shopfloor.labels.layouts import LABEL_SIZES
from shopfloor.models.printing import DEFAULT_PORTS, PRINTER_KINDS, Printer
from shopfloor.services import fields
from shopfloor.services.audit import record_change
from shopfloor.services.settings import setting

PRINTER_FIELDS = ("name", "kind", "host", "port", "queue", "default")
PRINT_FIELDS = ("printer", "size", "copies")
MAX_COPIES = 200
_FORM_ONLY = ("csrf_token", "idempotency_key")


@dataclass(frozen=True)
class PrintResult:
    printer: str
    copies: int
    size: str


def refuse_unknown_fields(data: Mapping, known: tuple[str, ...]) -> None:
    for name in data:
        if name not in known and name not in _FORM_ONLY:
            raise ValidationError(t("unknown field {field}", field=name), field=name)


def list_printers() -> list[Printer]:
    return list(db.session.scalars(sa.select(Printer).order_by(Printer.name)))


def default_printer() -> Printer | None:
    return db.session.scalar(sa.select(Printer).where(Printer.is_default.is_(True)))


def get_printer(name: str, field: str = "printer") -> Printer:
    printer = db.session.scalar(sa.select(Printer).where(Printer.name == name))
    if printer is None:
        raise NotFound(t("no printer named {name}", name=name), field=field)
    return printer


def printer_json(printer: Printer) -> dict:
    return {"name": printer.name, "kind": printer.kind, "host": printer.host,
            "port": printer.port, "queue": printer.queue, "default": printer.is_default}


def create_printer(data: Mapping, user=None) -> Printer:
    refuse_unknown_fields(data, PRINTER_FIELDS)
    name = fields.text(data, "name", required=True, max_length=100)
    if "/" in name or not name.isprintable():
        raise ValidationError(t("name may not contain / or control characters"), field="name")
    kind = fields.choice(data, "kind", PRINTER_KINDS, required=True)
    host = fields.text(data, "host", required=kind == "zpl", max_length=255)
    if host is not None and (any(c.isspace() or c in "/@?#" for c in host)
                             or not host.isascii()):
        raise ValidationError(t("host must be a host name or an address"), field="host")
    port = fields.integer(data, "port", minimum=1, maximum=65535) or DEFAULT_PORTS[kind]
    queue = fields.text(data, "queue", max_length=200)
    if queue is not None and kind == "zpl":
        raise ValidationError(t("queue is only for IPP printers"), field="queue")
    make_default = bool(fields.boolean(data, "default", default=False))
    with command() as session:
        if session.scalar(sa.select(Printer.id).where(Printer.name == name)) is not None:
            raise Conflict(t("a printer named {name} already exists", name=name), field="name")
        first = session.scalar(sa.select(sa.func.count(Printer.id))) == 0
        if make_default:
            session.execute(sa.update(Printer).values(is_default=False))
        printer = Printer(name=name, kind=kind, host=host or "localhost", port=port,
                          queue=queue, is_default=make_default or first)
        session.add(printer)
        session.flush()
        record_change(user, "printer", name, None, printer_json(printer))
    return printer


def make_default_printer(name: str, user=None) -> Printer:
    with command() as session:
        printer = get_printer(name, field="name")
        before = printer_json(printer)
        session.execute(sa.update(Printer).values(is_default=False))
        printer.is_default = True
        session.flush()
        record_change(user, "printer", name, before, printer_json(printer))
    return printer


def delete_printer(name: str, user=None) -> None:
    with command() as session:
        printer = get_printer(name, field="name")
        record_change(user, "printer", name, printer_json(printer), None)
        session.delete(printer)


def print_options(data: Mapping, default_size: str) -> tuple[Printer, str, int]:
    """The printer (the default one when none is named), size and copies of a print
    request, refused clearly when wrong."""
    refuse_unknown_fields(data, PRINT_FIELDS)
    name = fields.text(data, "printer", max_length=100)
    if name is not None:
        printer = get_printer(name)
    else:
        printer = default_printer()
        if printer is None:
            raise ValidationError(t("printer is required: no printer is the default"),
                                  field="printer")
    size = fields.choice(data, "size", tuple(LABEL_SIZES), default=default_size)
    copies = fields.integer(data, "copies", minimum=1, maximum=MAX_COPIES) or 1
    return printer, size, copies


def send_lot_label(printer: Printer, label, size: str, copies: int, user_name: str,
                   gettext: Callable[[str], str]) -> PrintResult:
    """Send `copies` labels to the printer: for ZPL one `^XA…^XZ` document per copy (each
    is a job of its own, so a jam loses one label, not the batch); for IPP one job of the
    label as a PNG with the `copies` attribute."""
    try:
        if printer.kind == "zpl":
            document = zpl.lot_label_zpl(label, size, copies=1, gettext=gettext).encode()
            send.send_raw(printer.host, printer.port, [document] * copies)
        else:
            image = png.render_lot_label_png(label, size, gettext=gettext)
            send.send_ipp(printer.host, printer.port, printer.queue, image, "image/png",
                          copies, job_name=f"Shopfloor {label.lot_code}", user=user_name)
    except send.PrintFailed as error:
        raise PrinterUnreachable(
            t("printer {name} ({host}:{port}) did not take the label: {reason}",
              name=printer.name, host=printer.host, port=printer.port,
              reason=error.args[0] if error.args else str(error)),
            field="printer") from error
    return PrintResult(printer=printer.name, copies=copies, size=size)


def auto_print_printer() -> Printer | None:
    """The printer a receipt's labels go to by itself: the default one, when the setting
    says so (Settings → Print labels at receipt)."""
    if setting("auto_print_receipts") != "on":
        return None
    return default_printer()
