"""Label responses shared by lot and location labels: the print page (preview, size,
copies and a Print button) and the label itself as HTML, PNG or ZPL."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import is_whole_number
from shopfloor.labels import pages, png, zpl
from shopfloor.labels.layouts import LABEL_SIZES
from shopfloor.services import printing

FORMATS = ("html", "png", "zpl")
MAX_COPIES = 200


def base_url() -> str:
    return current_app.config.get("SHOPFLOOR_BASE_URL") or request.host_url.rstrip("/")


def label_options(default_size: str = "62mm") -> tuple[str, str | None, int]:
    """`size`, `format` and `copies` from the query string, refused clearly when wrong."""
    size = request.args.get("size") or default_size
    if size not in LABEL_SIZES:
        raise ValidationError(t("size must be one of {sizes}", sizes=", ".join(LABEL_SIZES)),
                              field="size")
    fmt = request.args.get("format") or None
    if fmt is not None and fmt not in FORMATS:
        raise ValidationError(t("format must be one of {formats}", formats=", ".join(FORMATS)),
                              field="format")
    raw = request.args.get("copies") or "1"
    if not is_whole_number(raw, MAX_COPIES) or int(raw) < 1:
        raise ValidationError(t("copies must be a whole number from 1 to {maximum}",
                                maximum=MAX_COPIES),
                              field="copies")
    return size, fmt, int(raw)


def label_response(kind: str, label, *, title: str, back_url: str, default_size: str = "62mm"):
    """`kind` is "lot" or "location". Without `format`, the print page around the label."""
    size, fmt, copies = label_options(default_size)
    filename = f"{kind}-{label.barcode_data if kind == 'location' else label.lot_code}"
    if fmt == "png":
        image = (png.render_lot_label_png(label, size, gettext=_) if kind == "lot"
                 else png.render_location_label_png(label, size))
        return current_app.response_class(
            image, mimetype="image/png",
            headers={"Content-Disposition": f'inline; filename="{_safe(filename)}.png"'})
    if fmt == "zpl":
        text = (zpl.lot_label_zpl(label, size, copies=copies, gettext=_) if kind == "lot"
                else zpl.location_label_zpl(label, size, copies=copies))
        return current_app.response_class(
            text, mimetype="text/plain",
            headers={"Content-Disposition": f'inline; filename="{_safe(filename)}.zpl"'})
    if fmt == "html":
        context = (pages.lot_label_context if kind == "lot" else pages.location_label_context)(
            [label] * copies, size)
        response = current_app.make_response(render_template(f"labels/{kind}.html", **context))
        return response
    printers = printing.list_printers() if kind == "lot" else []
    return render_template("labels/print.html", kind=kind, title=title, size=size,
                           copies=copies, back_url=back_url, sizes=LABEL_SIZES,
                           received=request.args.get("received"), printers=printers)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
