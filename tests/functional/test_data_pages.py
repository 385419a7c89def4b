"""The data pages a supervisor uses on a tablet: upload a spreadsheet, check it, import
it; download everything; read and download the inventory journal. Operators are kept out."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from shopfloor.models.master import Item, Supplier
from shopfloor.services import exports, imports
from tests.factories import count_rows, make_item, make_location, receive

GOOD = b"sku,name,kind,unit\nWAX,Soy wax,material,kg\nWICK,Wick,material,pcs\n"
BAD = GOOD + b"WAX,Again,material,kg\nJAR,Jar,material,jars\n"


def upload(content: bytes, name: str = "items.csv", **fields) -> dict:
    return {"file": (io.BytesIO(content), name), **fields}


@pytest.fixture
def supervisor_client(client, supervisor, login):
    login(supervisor)
    return client


def test_the_data_page_links_imports_exports_and_the_journal(supervisor_client):
    page = supervisor_client.get("/data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in imports.KINDS:
        assert f"/data/import/{name}" in html
    assert "/data/export.zip" in html and "/data/journal" in html
    assert "/data" in supervisor_client.get("/menu").get_data(as_text=True)


def test_the_import_page_explains_every_column_and_offers_a_template(supervisor_client):
    page = supervisor_client.get("/data/import/recipes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for column in imports.KINDS["recipes"].columns:
        assert f"<code>{column}</code>" in html
    template = supervisor_client.get("/data/import/recipes/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    header = next(csv.reader(io.StringIO(template.data.decode("utf-8-sig"))))
    assert tuple(header) == imports.KINDS["recipes"].columns


def test_checking_a_file_lists_its_problems_by_row_and_keeps_nothing(app, supervisor_client):
    page = supervisor_client.post("/data/import/items/check", data=upload(BAD),
                                  content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 problems in 4 rows read" in html
    assert '<td class="num">4</td><td>sku</td>' in html
    assert '<td class="num">5</td><td>unit</td>' in html
    assert count_rows(app, Item) == 0
    clean = supervisor_client.post("/data/import/items/check", data=upload(GOOD),
                                   content_type="multipart/form-data")
    assert "All 2 rows are good" in clean.get_data(as_text=True)
    assert count_rows(app, Item) == 0


def test_importing_is_all_or_nothing(app, supervisor_client):
    refused = supervisor_client.post("/data/import/items", data=upload(BAD),
                                     content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Nothing was imported." in refused.get_data(as_text=True)
    assert count_rows(app, Item) == 0
    done = supervisor_client.post("/data/import/items", data=upload(GOOD),
                                  content_type="multipart/form-data")
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/data/import/items")
    assert count_rows(app, Item) == 2
    assert "Imported 2 rows" in supervisor_client.get("/data/import/items").get_data(
        as_text=True)


def test_a_form_sent_twice_imports_once(app, supervisor_client):
    content = b"name\nCeruri SRL\n"
    for _ in range(2):
        response = supervisor_client.post(
            "/data/import/suppliers", data=upload(content, idempotency_key="form-1"),
            content_type="multipart/form-data")
        assert response.status_code == 302
    assert count_rows(app, Supplier) == 1


def test_an_import_without_a_file_says_so(supervisor_client):
    page = supervisor_client.post("/data/import/items", data={},
                                  content_type="multipart/form-data")
    assert page.status_code == 422
    assert "Choose a CSV file." in page.get_data(as_text=True)
    assert supervisor_client.get("/data/import/planets").status_code == 404


def test_an_upload_over_the_limit_is_refused_with_413(app, supervisor_client):
    too_big = b"--edge\r\nContent-Disposition: form-data; name=\"file\"; " \
        b"filename=\"items.csv\"\r\n\r\n" + GOOD + b"x" * app.config["MAX_CONTENT_LENGTH"] \
        + b"\r\n--edge--\r\n"
    # a raw body: the test client spools a large multipart upload to a file of its own
    response = supervisor_client.post("/data/import/items", data=too_big,
                                      content_type="multipart/form-data; boundary=edge")
    assert response.status_code == 413
    assert count_rows(app, Item) == 0


def test_everything_downloads_as_one_zip_or_one_file_at_a_time(app, supervisor, client, login):
    make_location(app, "RAW")
    make_item(app, sku="WAX", unit="g", name="=HYPERLINK(\"http://x\")")
    receive(app, supervisor, "WAX", "RAW", quantity="250", unit_cost="0.01")
    login(supervisor)
    response = client.get("/data/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert {f"{name}.csv" for name in exports.KINDS} <= set(archive.namelist())
        lots = list(csv.DictReader(io.StringIO(archive.read("lots.csv").decode("utf-8-sig"))))
    assert [lot["item"] for lot in lots] == ["WAX"]
    items = client.get("/data/export/items.csv")
    assert items.status_code == 200 and items.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(items.data.decode("utf-8-sig"))))
    # text a spreadsheet would run as a formula is defused, and imports take it back
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")"
    assert imports._cell(rows[0]["name"]) == "=HYPERLINK(\"http://x\")"
    assert client.get("/data/export/planets.csv").status_code == 404


def test_the_journal_page_shows_accounts_and_downloads_the_csv(app, supervisor, client, login):
    make_location(app, "RAW")
    make_item(app, sku="WAX", unit="g")
    receive(app, supervisor, "WAX", "RAW", quantity="5", unit="kg", unit_cost="4.20",
            lot_code="WAX-1")
    login(supervisor)
    page = client.get("/data/journal")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1310 Raw materials" in html and "2100 Goods received not invoiced" in html
    assert "21.00" in html and "WAX-1" in html
    download = client.get("/data/journal.csv?from=2000-01-01")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["date", "entry", "reference", "account", "debit", "credit"]
    assert [row[3:6] for row in rows[1:]] == [["1310 Raw materials", "21.00", "0.00"],
                                              ["2100 Goods received not invoiced", "0.00",
                                               "21.00"]]
    bad = client.get("/data/journal?from=2030-01-01&to=2020-01-01")
    assert bad.status_code == 422 and "must not be after" in bad.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/data", "/data/import/items", "/data/import/items/template.csv",
                                 "/data/export.zip", "/data/export/items.csv", "/data/journal",
                                 "/data/journal.csv"])
def test_operators_are_kept_out(client, operator, login, url):
    login(operator)
    assert client.get(url).status_code == 403


def test_operators_cannot_post_an_import(app, client, operator, login):
    login(operator)
    for url in ("/data/import/items", "/data/import/items/check"):
        response = client.post(url, data=upload(GOOD), content_type="multipart/form-data")
        assert response.status_code == 403
    assert count_rows(app, Item) == 0
