"""English and Romanian from day one: the language follows the user's setting, then the
browser; every string in the source has a Romanian translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
RO_CATALOGUE = ROOT / "shopfloor" / "translations" / "ro" / "LC_MESSAGES" / "messages.po"


def test_browser_language_picks_romanian(client):
    page = client.get("/login", headers={"Accept-Language": "ro-RO,ro;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert "Autentificare" in text and 'lang="ro"' in text


def test_english_is_the_default(client):
    text = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Sign in" in text and 'lang="en"' in text


def test_the_users_setting_wins_over_the_browser(client, make_user):
    username = make_user("operator", locale="ro")
    client.post("/login", data={"username": username, "password": PASSWORD})
    text = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Acasă" in text


def test_choosing_a_language_is_remembered_on_the_account(client, make_user):
    username = make_user("operator")
    client.post("/login", data={"username": username, "password": PASSWORD})
    client.post("/language", data={"language": "ro"})
    client.post("/logout")
    fresh = client.application.test_client()
    fresh.post("/login", data={"username": username, "password": PASSWORD})
    assert "Acasă" in fresh.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_every_source_string_has_a_romanian_translation(tmp_path):
    """Extract the strings from the code as `make translations` would, and require each one
    to be translated in the Romanian catalogue."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "t", "-k", "N_", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as source, open(RO_CATALOGUE, "rb") as ro:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}
        catalogue = read_po(ro, locale="ro")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        and "fuzzy" not in m.flags
    }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run `make translations`, then translate): {missing}"


def test_the_language_chosen_on_the_login_page_holds_after_signing_in(client, make_user):
    username = make_user("operator", locale="en")
    client.post("/language", data={"language": "ro"})
    assert "Autentificare" in client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": username, "password": PASSWORD})
    assert "Acasă" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    fresh = client.application.test_client()  # another phone: the account remembers it
    fresh.post("/login", data={"username": username, "password": PASSWORD})
    assert "Acasă" in fresh.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
