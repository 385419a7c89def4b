"""Labels sent straight to a network printer: a local TCP listener stands in for a Zebra's
port 9100 (and a local HTTP listener for an IPP queue)."""

from __future__ import annotations

import http.server
import re
import socket
import struct
import threading
import time

import pytest

from tests.conftest import PASSWORD
from tests.factories import count_rows, make_item, make_location

LABEL = re.compile(rb"\^XA.*?\^XZ", re.DOTALL)


class FakeZebra:
    """Accepts connections like a printer's raw port and keeps every byte it was sent."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.jobs = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                connection, _address = self.sock.accept()
            except OSError:
                return
            with connection:
                while chunk := connection.recv(65536):
                    self.received += chunk
            self.jobs += 1

    def labels(self, expected: int = 0) -> list[bytes]:
        """The labels received, once `expected` have arrived (the sender has closed by
        then, but this side may still be reading); a bound, not a timing assertion."""
        deadline = time.monotonic() + 10
        while len(LABEL.findall(self.received)) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return LABEL.findall(self.received)

    def close(self):
        self.sock.close()


@pytest.fixture
def zebra():
    printer = FakeZebra()
    yield printer
    printer.close()


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def _add_printer(api_admin, name, port, **extra):
    response = api_admin.post("/api/v1/printers", json={
        "name": name, "kind": "zpl", "host": "127.0.0.1", "port": port, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _lot(app, api_operator):
    answer = api_operator.post("/api/v1/receipts", json={
        "item": make_item(app), "quantity": "5", "location": make_location(app),
        "unit_cost": "1.00"})
    assert answer.status_code == 201
    return answer.get_json()["lot"]["code"]


def test_print_sends_one_zpl_label_per_copy_to_the_printer(app, api, zebra):
    admin, operator = api("admin"), api("operator")
    assert _add_printer(admin, "Zebra dock", zebra.port)["default"] is True  # the first
    code = _lot(app, operator)
    response = operator.post(f"/api/v1/lots/{code}/print",
                             json={"printer": "Zebra dock", "size": "4x6", "copies": 3})
    assert response.status_code == 202, response.get_json()
    assert response.get_json() == {"lot": code, "printer": "Zebra dock", "size": "4x6",
                                   "copies": 3}
    labels = zebra.labels(3)
    assert len(labels) == 3 and all(code.encode() in label for label in labels)
    assert b"^PW813" in labels[0]  # the 4x6 in size: 4 in wide at 8 dots/mm


def test_print_button_on_the_label_page_sends_the_labels(app, api, client, make_user, zebra):
    _add_printer(api("admin"), "Zebra dock", zebra.port)
    operator = make_user("operator")
    code = _lot(app, api("operator"))
    client.post("/login", data={"username": operator, "password": PASSWORD})
    page = client.get(f"/lots/{code}/label?copies=2").get_data(as_text=True)
    assert "Send to printer" in page and "Zebra dock" in page
    response = client.post(f"/lots/{code}/print",
                           data={"printer": "Zebra dock", "size": "62mm", "copies": "2"},
                           follow_redirects=True)
    assert "Sent 2 label(s) to Zebra dock." in response.get_data(as_text=True)
    assert len(zebra.labels(2)) == 2


def test_a_dead_printer_answers_502_with_the_error(app, api):
    _add_printer(api("admin"), "Zebra off", _dead_port())
    operator = api("operator")
    code = _lot(app, operator)
    response = operator.post(f"/api/v1/lots/{code}/print", json={"printer": "Zebra off"})
    assert response.status_code == 502
    error = response.get_json()["error"]
    assert error["code"] == "printer_unreachable" and error["field"] == "printer"
    assert "Zebra off" in error["message"] and "connection refused" in error["message"]


def _auto_print(api_admin, port):
    _add_printer(api_admin, "Receiving Zebra", port, default=True)
    assert api_admin.patch("/api/v1/settings", json={"auto_print_receipts": "on"}).status_code \
        == 200


def test_an_auto_printing_receipt_sends_its_labels_after_it_is_received(
        app, api, client, make_user, zebra):
    _auto_print(api("admin"), zebra.port)
    item, location = make_item(app), make_location(app)
    client.post("/login", data={"username": make_user("operator"), "password": PASSWORD})
    response = client.post("/receive", data={
        "item": item, "quantity": "2", "location": location, "unit_cost": "3",
        "copies": "2"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Sent 2 label(s) to Receiving Zebra." in page
    labels = zebra.labels(2)
    assert len(labels) == 2 and item.encode() in labels[0]
    answer = api("operator").post("/api/v1/receipts", json={
        "item": item, "quantity": "1", "location": location, "unit_cost": "3"})
    assert answer.status_code == 201
    assert answer.get_json()["print"] == {"printer": "Receiving Zebra", "copies": 1,
                                          "sent": True, "error": None}
    assert len(zebra.labels(3)) == 3


def test_a_dead_printer_loses_no_receipt_and_says_the_labels_were_not_printed(
        app, api, client, make_user):
    from shopfloor.models.stock import Lot

    _auto_print(api("admin"), _dead_port())
    item, location = make_item(app), make_location(app)
    client.post("/login", data={"username": make_user("operator"), "password": PASSWORD})
    response = client.post("/receive", data={
        "item": item, "quantity": "2", "location": location, "unit_cost": "3"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The lot was received, but its labels were not printed" in page
    assert "Send to printer" in page  # the label page, to send them again
    answer = api("operator").post("/api/v1/receipts", json={
        "item": item, "quantity": "1", "location": location, "unit_cost": "3"})
    assert answer.status_code == 201
    assert answer.get_json()["print"]["sent"] is False
    assert "connection refused" in answer.get_json()["print"]["error"]
    assert count_rows(app, Lot) == 2


def test_printers_are_managed_by_admins_only_and_refuse_bad_input(api):
    supervisor, admin = api("supervisor"), api("admin")
    assert supervisor.get("/api/v1/printers").status_code == 403
    assert supervisor.post("/api/v1/printers", json={
        "name": "x", "kind": "zpl", "host": "h"}).status_code == 403
    for body, field in (({"name": "x", "kind": "zpl"}, "host"),
                        ({"name": "x", "kind": "pdf", "host": "h"}, "kind"),
                        ({"name": "x", "kind": "zpl", "host": "h", "port": 70000}, "port"),
                        ({"name": "x", "kind": "zpl", "host": "h", "colour": "red"}, "colour"),
                        ({"name": "x", "kind": "zpl", "host": "a b"}, "host"),
                        ({"name": "a/b", "kind": "zpl", "host": "h"}, "name"),
                        ({"name": "x", "kind": "zpl", "host": "h", "default": "maybe"},
                         "default")):
        response = admin.post("/api/v1/printers", json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["field"] == field
    _add_printer(admin, "One", 9100)
    again = admin.post("/api/v1/printers", json={"name": "One", "kind": "zpl", "host": "h"})
    assert again.status_code == 409
    assert [p["name"] for p in admin.get("/api/v1/printers").get_json()] == ["One"]


def test_ipp_queue_gets_one_print_job_with_the_label_and_its_copies(app, api):
    jobs = []

    class Queue(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            jobs.append((self.path, self.headers["Content-Type"],
                         self.rfile.read(int(self.headers["Content-Length"]))))
            answer = struct.pack(">BBHI", 1, 1, 0x0000, 1) + bytes([0x03])
            self.send_response(200)
            self.send_header("Content-Type", "application/ipp")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Queue)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        admin, operator = api("admin"), api("operator")
        assert admin.post("/api/v1/printers", json={
            "name": "Office", "kind": "ipp", "host": "127.0.0.1",
            "port": server.server_address[1], "queue": "Brother_QL"}).status_code == 201
        code = _lot(app, operator)
        response = operator.post(f"/api/v1/lots/{code}/print",
                                 json={"printer": "Office", "copies": 2})
        assert response.status_code == 202, response.get_json()
    finally:
        server.shutdown()
        server.server_close()
    ((path, content_type, body),) = jobs
    assert path == "/printers/Brother_QL" and content_type == "application/ipp"
    assert body[2:4] == b"\x00\x02"  # Print-Job
    assert b"document-format\x00\x09image/png" in body and b"\x89PNG" in body
    assert b"copies\x00\x04\x00\x00\x00\x02" in body
