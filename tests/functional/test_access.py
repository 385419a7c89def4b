"""Deny by default: every route refuses anyone its role does not allow.

EXPECTED is written by hand, apart from the views' own declarations, so that a route whose
declaration is wrong, or a new route nobody decided about, fails here.
"""

from __future__ import annotations

import pytest

ROLES = ("operator", "supervisor", "admin")
RANK = {"operator": 0, "supervisor": 1, "admin": 2}

# endpoint -> "public" or the least role that may use it
EXPECTED = {
    "static": "public",
    "auth.login": "public",
    "auth.logout": "operator",
    "main.home": "operator",
    "main.healthz": "public",
    "main.manifest": "public",
    "main.service_worker": "public",
    "main.offline": "public",
    "main.scan": "operator",
    "main.outbox": "operator",
    "main.outbox_session": "operator",
    "main.set_language": "public",
    "main.menu": "operator",
    # a new phone has no session yet: its setup page and the authority to trust are open
    "phone.setup": "public",
    "phone.authority_certificate": "public",
    "phone.ios_profile": "public",
    # label printers: admins manage them, operators send labels to them
    "printers.printer_list": "admin",
    "printers.make_default": "admin",
    "printers.delete": "admin",
    "printers.print_lot_label": "operator",
    "api.list_printers": "admin",
    "api.create_printer": "admin",
    "api.print_lot_label": "operator",
    "api.me": "operator",
    "api.openapi": "public",  # the API described, no business data: read before any token
    # stock pages
    "stock.receive": "operator",
    "stock.lot_page": "operator",
    "stock.digital_link": "operator",
    "stock.lot_label": "operator",
    "stock.lot_status": "supervisor",
    "stock.new_move": "operator",
    "stock.new_count": "operator",
    "stock.overview": "operator",
    # master data pages
    "catalog.item_page": "operator",
    "catalog.location_page": "operator",
    "catalog.item_list": "operator",
    "catalog.new_item": "supervisor",
    "catalog.edit_item": "supervisor",
    "catalog.supplier_list": "operator",
    "catalog.new_supplier": "supervisor",
    "catalog.supplier_page": "operator",
    "catalog.edit_supplier": "supervisor",
    "catalog.customer_list": "operator",
    "catalog.new_customer": "supervisor",
    "catalog.customer_page": "operator",
    "catalog.edit_customer": "supervisor",
    "catalog.location_list": "operator",
    "catalog.new_location": "supervisor",
    "catalog.edit_location": "supervisor",
    "catalog.location_label": "operator",
    # production pages: supervisors edit recipes, create, release and cancel orders;
    # operators read, pick, complete, print travellers and see planning
    "production.recipe_list": "operator",
    "production.recipe_page": "operator",
    "production.new_recipe": "supervisor",
    "production.order_list": "operator",
    "production.new_order": "supervisor",
    "production.order_page": "operator",
    "production.release_order": "supervisor",
    "production.complete_order": "operator",
    "production.cancel_order": "supervisor",
    "production.pick_page": "operator",
    "production.undo_pick": "operator",
    "production.traveller": "operator",
    "production.planning": "operator",
    # API: operators read and record stock; supervisors change master data and lot status
    "api.list_items": "operator",
    "api.get_item": "operator",
    "api.create_item": "supervisor",
    "api.update_item": "supervisor",
    "api.list_suppliers": "operator",
    "api.get_suppliers": "operator",
    "api.create_suppliers": "supervisor",
    "api.update_suppliers": "supervisor",
    "api.list_customers": "operator",
    "api.get_customers": "operator",
    "api.create_customers": "supervisor",
    "api.update_customers": "supervisor",
    "api.list_locations": "operator",
    "api.get_location": "operator",
    "api.create_location": "supervisor",
    "api.update_location": "supervisor",
    "api.create_receipt": "operator",
    "api.get_lot": "operator",
    "api.set_lot_status": "supervisor",
    "api.create_move": "operator",
    "api.create_count": "operator",
    "api.get_stock": "operator",
    "api.get_alerts": "operator",
    "api.resolve_scan": "operator",
    "api.parse_gs1_code": "operator",
    # production: supervisors plan, release and cancel; operators pick and complete
    "api.create_recipe": "supervisor",
    "api.get_recipe": "operator",
    "api.create_order": "supervisor",
    "api.get_order": "operator",
    "api.release_order": "supervisor",
    "api.order_suggestions": "operator",
    "api.create_pick": "operator",
    "api.complete_order": "operator",
    "api.cancel_order": "supervisor",
    "api.get_planning": "operator",
    # sales orders: operators see them (and ship against them); supervisors run them
    "api.list_sales_orders": "operator",
    "api.get_sales_order": "operator",
    "api.create_sales_order": "supervisor",
    "api.confirm_sales_order": "supervisor",
    "api.plan_sales_order": "supervisor",
    "api.cancel_sales_order": "supervisor",
    # purchasing, reports and settings: supervisors; settings: admins
    "api.get_reorder_suggestions": "supervisor",
    "api.create_purchase_orders_from_suggestions": "supervisor",
    "api.list_purchase_orders": "supervisor",
    "api.create_purchase_order": "supervisor",
    "api.get_purchase_order": "supervisor",
    "api.update_purchase_order": "supervisor",
    "api.send_purchase_order": "supervisor",
    "api.cancel_purchase_order": "supervisor",
    "api.valuation_report": "supervisor",
    "api.movements_report": "supervisor",
    "api.get_settings": "admin",
    "api.update_settings": "admin",
    "office.purchasing_home": "supervisor",
    "office.orders_from_suggestions": "supervisor",
    "office.purchase_order": "operator",  # read, and receive against a sent order's lines
    "office.edit_purchase_order": "supervisor",
    "office.purchase_order_print": "supervisor",
    "office.sales_report": "supervisor",
    "office.reports_home": "supervisor",
    "office.valuation": "supervisor",
    "office.stock_report": "supervisor",
    "office.batches": "supervisor",
    "office.usage": "supervisor",
    "office.movements": "supervisor",
    "office.settings_page": "admin",
    # import, export and the accounting journal: supervisors
    "api.import_dry_run": "supervisor",
    "api.import_apply": "supervisor",
    "api.export_index": "supervisor",
    "api.export_kind": "supervisor",
    "api.export_zip": "supervisor",
    "api.get_journal": "supervisor",
    "data.index": "supervisor",
    "data.import_page": "supervisor",
    "data.import_check": "supervisor",
    "data.import_template": "supervisor",
    "data.export_zip": "supervisor",
    "data.export_csv": "supervisor",
    "data.journal_page": "supervisor",
    "data.journal_csv": "supervisor",
    # shipping and traceability: anyone ships and traces; supervisors run recalls
    "api.create_shipment": "operator",
    "api.get_shipment": "operator",
    "api.trace_lot": "operator",
    "api.get_recall": "supervisor",
    "api.quarantine_recall": "supervisor",
    # shipping and traceability pages
    "trace.new_shipment": "operator",
    # sales order pages: operators see and ship; supervisors take, confirm, plan, cancel
    "sales.order_list": "operator",
    "sales.to_ship": "operator",
    "sales.new_order": "supervisor",
    "sales.order_page": "operator",
    "sales.order_action": "supervisor",
    "sales.delivery_note": "operator",
    "trace.shipment_list": "operator",
    "trace.shipment_page": "operator",
    "trace.packing_slip": "operator",
    "trace.lot_genealogy": "operator",
    "trace.recall": "supervisor",
    "trace.recall_print": "supervisor",
    "trace.recall_csv": "supervisor",
    "trace.recall_quarantine": "supervisor",
    "trace.audit_trail": "supervisor",
}


def _routes(app):
    """Every (endpoint, method, url) the app answers, with placeholder arguments."""
    for rule in app.url_map.iter_rules():
        args = {name: _placeholder(rule, name) for name in rule.arguments}
        url = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _placeholder(rule, name):
    converter = rule._converters[name].__class__.__name__
    return 1 if converter == "IntegerConverter" else "css/app.css" if name == "filename" else "X"


def _open(client, url, method, **kwargs):
    """Request and close the response (static files hold an open file until closed)."""
    response = client.open(url, method=method, **kwargs)
    response.close()
    return response


def _is_refused(response, api: bool) -> bool:
    if api:
        return response.status_code in (401, 403)
    if response.status_code == 403:
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/login?next=" in location


def test_every_route_has_an_expected_access(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), (
        "routes without an entry here, or entries for removed routes: "
        f"{sorted(endpoints ^ set(EXPECTED))}")


def test_anonymous_is_refused_everywhere_but_public_routes(app):
    client = app.test_client()
    for endpoint, method, url in _routes(app):
        response = _open(client, url, method)
        api = url.startswith("/api/")
        if EXPECTED[endpoint] == "public":
            assert not _is_refused(response, api), (endpoint, method, response.status_code)
        elif api:
            assert response.status_code == 401, (endpoint, method, response.status_code)
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, (endpoint, method, response.status_code)
            assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_it_should(app, make_user, role):
    username = make_user(role)
    client = app.test_client()
    assert client.post("/login", data={"username": username,
                                       "password": "correct horse battery"}).status_code == 302
    for endpoint, method, url in _routes(app):
        if endpoint == "auth.logout":
            continue  # signing out would end this walk; tested in test_auth
        needed = EXPECTED[endpoint]
        response = _open(client, url, method)
        allowed = needed == "public" or RANK[role] >= RANK[needed]
        refused = _is_refused(response, url.startswith("/api/"))
        assert refused is not allowed, (role, endpoint, method, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_tokens_get_the_same_access_as_their_role(app, make_user, token_for, role):
    username = make_user(role)
    headers = {"Authorization": f"Bearer {token_for(username)}"}
    client = app.test_client()
    for endpoint, method, url in _routes(app):
        if not url.startswith("/api/"):
            continue
        needed = EXPECTED[endpoint]
        response = _open(client, url, method, headers=headers)
        allowed = needed == "public" or RANK[role] >= RANK[needed]
        assert _is_refused(response, True) is not allowed, (role, endpoint, response.status_code)
