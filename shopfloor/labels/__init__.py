"""Lot and location labels: QR, Code 128 / GS1-128, label layouts, PNG and ZPL.

Pure Python (no Flask): the label view builds a `LotLabel` with `build_lot_label` and
renders it with `render_lot_label_png`, `lot_label_zpl` or the `labels/lot.html` template
fed by `lot_label_context`.
"""
