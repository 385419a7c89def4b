"""`make bench`: how fast Shopfloor answers on a decade of synthetic history (issue 8).

For each database (SQLite, then a throw-away PostgreSQL when the machine has one) and for
each size (N = 200,000 lots and N = 20,000 by default):

1. build the synthetic database once (`flask synth --lots N`) and keep it under
   bench-results/cache/, keyed by N, the seed, the schema revision and the synth code;
   each run works on a fresh copy, because completing an order uses it up;
2. add a user and an API token, start gunicorn (2 workers) on 127.0.0.1;
3. measure from this process, one request at a time after a warm-up, the p50 and p95 of
   each request, and its ratio to /healthz p50 from the same run (the floor: what Flask,
   gunicorn and this machine cost for nothing);
4. compare with the targets of the issue, print a table and write bench-results/latest.json.

The exit status is 0 unless `--strict` is given and a target failed: timings depend on
the machine and on what else runs on it (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
CACHE = RESULTS / "cache"
BIN = Path(sys.executable).parent
FLASK = str(BIN / "flask")
GUNICORN = str(BIN / "gunicorn")
HOST = "127.0.0.1"
USER, PASSWORD = "bench", "bench-correct-horse-battery"
SECRET_KEY = "bench-secret-key"  # the bench's own server: sessions need not outlive it


# --- the targets of issue 8 -------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    name: str
    text: str
    check: object  # (figures at N, figures at the small N) -> (passed, detail)


def _p(figures, name, stat="p95"):
    entry = figures.get(name)
    return entry[stat] if entry and entry.get(stat) is not None else None


def _at_most(name, limit_ms, stat="p95"):
    def check(big, small):
        value = _p(big, name, stat)
        return (None, "not measured") if value is None else \
            (value <= limit_ms, f"{stat} {value:.1f} ms")
    return check


def _ratio_at_most(name, limit, stat="p95"):
    def check(big, small):
        value, floor = _p(big, name, stat), _p(big, "healthz", "p50")
        if value is None or not floor:
            return None, "not measured"
        return value / floor <= limit, f"{value / floor:.1f}x healthz p50"
    return check


def _ratio_of(name, other, limit, stat="p50"):
    def check(big, small):
        value, base = _p(big, name, stat), _p(big, other, stat)
        if value is None or not base:
            return None, "not measured"
        return value / base <= limit, f"{value / base:.1f}x {other} {stat}"
    return check


def _receipt_growth(big, small):
    value, base = _p(big, "receipt", "p50"), _p(small or {}, "receipt", "p50")
    if value is None or not base:
        return None, "not measured"
    return value / base <= 1.5, f"{value / base:.2f}x the small history (p50)"


TARGETS = [
    Target("scan", "scan p95 <= 10 ms", _at_most("scan", 10)),
    Target("scan", "scan p95 <= 3x healthz p50", _ratio_at_most("scan", 3)),
    Target("lot_page", "lot page p95 <= 15 ms", _at_most("lot_page", 15)),
    Target("suggestions", "suggestions (20 components) p95 <= 15 ms",
           _at_most("suggestions", 15)),
    Target("complete_20", "complete 20 components p95 <= 100 ms", _at_most("complete_20", 100)),
    Target("complete_200", "complete 200 components p95 <= 1 s", _at_most("complete_200", 1000)),
    Target("complete_200", "complete 200 <= 12x complete 20 (p50)",
           _ratio_of("complete_200", "complete_20", 12)),
    Target("trace_backward", "trace backward (tens of thousands of lots) p95 <= 250 ms",
           _at_most("trace_backward", 250)),
    Target("trace_forward", "trace forward p95 <= 250 ms", _at_most("trace_forward", 250)),
    Target("recall", "full recall report p95 <= 2 s", _at_most("recall", 2000)),
    Target("receipt", "receipt at N <= 1.5x receipt at the small N (p50)", _receipt_growth),
    Target("valuation", "valuation p95 <= 5 s", _at_most("valuation", 5000)),
    Target("confirm_20", "confirm a 20-line sales order p95 <= 40x healthz p50",
           _ratio_at_most("confirm_20", 40)),
    Target("sales_order_page", "sales order page p95 <= 10x healthz p50",
           _ratio_at_most("sales_order_page", 10)),
]


# --- building and keeping the databases -------------------------------------------------------

def schema_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return "-".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def cache_key(lots: int, seed: int) -> str:
    synth = (ROOT / "bench" / "synth.py").read_bytes()
    version = hashlib.sha256(synth).hexdigest()[:10]
    return f"n{lots}-seed{seed}-rev{schema_revision()}-synth{version}"


def flask(url: str, *args: str, capture: bool = False) -> str:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
    done = subprocess.run([FLASK, "--app", "shopfloor", *args], cwd=ROOT, env=env, check=True,
                          text=True, stdout=subprocess.PIPE if capture else None)
    return (done.stdout or "").strip()


def synthesize(url: str, lots: int, seed: int, manifest: Path) -> float:
    began = time.monotonic()
    flask(url, "db", "upgrade")
    flask(url, "synth", "--lots", str(lots), "--seed", str(seed), "--manifest", str(manifest))
    return time.monotonic() - began


class SQLiteDatabases:
    name = "sqlite"

    def __init__(self, seed: int):
        self.seed = seed

    def prepare(self, lots: int) -> tuple[str, dict]:
        """A fresh copy of the cached synthetic database (built first when missing)."""
        key = cache_key(lots, self.seed)
        cached, manifest = CACHE / f"sqlite-{key}.db", CACHE / f"sqlite-{key}.json"
        if not cached.exists() or not manifest.exists():
            _forget_older(f"sqlite-n{lots}-", key)
            say(f"[sqlite] building N={lots} (kept as {cached.name}) ...")
            building = cached.with_suffix(".building")
            for path in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
                path.unlink(missing_ok=True)
            seconds = synthesize(f"sqlite:///{building}", lots, self.seed, manifest)
            _checkpoint(building)
            building.rename(cached)
            _add_to_manifest(manifest, build_seconds=round(seconds, 1))
        work = RESULTS / f"sqlite-n{lots}.db"
        for path in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            path.unlink(missing_ok=True)
        shutil.copyfile(cached, work)
        return f"sqlite:///{work}", json.loads(manifest.read_text())

    def close(self) -> None:
        pass


def _forget_older(prefix: str, key: str) -> None:
    """A database built for an older schema or synth is of no more use: free its space."""
    for path in CACHE.glob(f"{prefix}*"):
        if key not in path.name:
            path.unlink()


def _checkpoint(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")


def _add_to_manifest(manifest: Path, **values) -> None:
    data = json.loads(manifest.read_text())
    data.update(values)
    manifest.write_text(json.dumps(data, indent=2))


class PostgresDatabases:
    """A throw-away server (scripts/pg-test-server). The synthetic database is kept as a
    pg_dump archive beside the SQLite ones and restored into a fresh database each run."""

    name = "postgresql"

    def __init__(self, seed: int):
        self.seed = seed
        self.directory = RESULTS / "pg"
        self.port = _free_port()
        self.url = subprocess.run(
            [str(ROOT / "scripts" / "pg-test-server"), "start", str(self.directory),
             str(self.port)], check=True, text=True, stdout=subprocess.PIPE).stdout.strip()
        self.bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                               key=lambda p: int(p.parent.name))[-1])
        self.server_url = self.url.rsplit("/", 1)[0]

    def prepare(self, lots: int) -> tuple[str, dict]:
        key = cache_key(lots, self.seed)
        dump, manifest = CACHE / f"postgresql-{key}.dump", CACHE / f"postgresql-{key}.json"
        name = f"bench_n{lots}"
        self._psql(f'DROP DATABASE IF EXISTS "{name}"')
        self._psql(f'CREATE DATABASE "{name}"')
        url = f"{self.server_url}/{name}"
        if not dump.exists() or not manifest.exists():
            _forget_older(f"postgresql-n{lots}-", key)
            say(f"[postgresql] building N={lots} (kept as {dump.name}) ...")
            seconds = synthesize(url, lots, self.seed, manifest)
            _add_to_manifest(manifest, build_seconds=round(seconds, 1))
            subprocess.run([str(self.bin / "pg_dump"), "-Fc", "-f", str(dump),
                            *self._connection(name)], check=True)
        else:
            say(f"[postgresql] restoring N={lots} from {dump.name} ...")
            subprocess.run([str(self.bin / "pg_restore"), "-j", "2", "--no-owner",
                            "-d", name, *self._connection(None), str(dump)], check=True)
            self._psql("VACUUM ANALYZE", database=name)
        return url, json.loads(manifest.read_text())

    def _connection(self, database: str | None) -> list[str]:
        return ["-h", HOST, "-p", str(self.port), "-U", "postgres",
                *([database] if database else [])]

    def _psql(self, sql: str, database: str = "postgres") -> None:
        subprocess.run([str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1",
                        *self._connection(database), "-c", sql], check=True,
                       stdout=subprocess.DEVNULL)

    def close(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "pg-test-server"), "stop", str(self.directory)],
                       check=False)


def postgres_available() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


# --- the server and the client ----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, url: str, workers: int):
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
        env.pop("SHOPFLOOR_BASE_URL", None)
        self.process = subprocess.Popen(
            [GUNICORN, "--workers", str(workers), "--bind", f"{HOST}:{self.port}",
             "--timeout", "300", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float
    headers: dict = field(default_factory=dict)


def request(port: int, method: str, path: str, *, body: bytes | None = None,
            headers: dict | None = None) -> Answer:
    """One request on a new connection (gunicorn's sync workers close each one), timed from
    connecting to the last byte of the answer."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        seconds = time.perf_counter() - began
        return Answer(response.status, data, seconds, dict(response.getheaders()))
    finally:
        connection.close()


class Client:
    def __init__(self, port: int, token: str):
        self.port = port
        self.api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.cookie = None

    def get(self, path: str) -> Answer:
        return request(self.port, "GET", path, headers=self.api)

    def post(self, path: str, payload: dict) -> Answer:
        return request(self.port, "POST", path, body=json.dumps(payload).encode(),
                       headers={**self.api, "Content-Type": "application/json"})

    def sign_in(self) -> None:
        page = request(self.port, "GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.body)
        cookie = _session_cookie(page)
        form = urllib.parse.urlencode({"username": USER, "password": PASSWORD,
                                       "csrf_token": token.group(1).decode() if token else ""})
        answer = request(self.port, "POST", "/login", body=form.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **({"Cookie": cookie} if cookie else {})})
        self.cookie = _session_cookie(answer)
        if answer.status not in (302, 303) or not self.cookie:
            raise RuntimeError(f"could not sign in to the bench server ({answer.status})")

    def page(self, path: str) -> Answer:
        return request(self.port, "GET", path, headers={"Cookie": self.cookie})


def _session_cookie(answer: Answer) -> str | None:
    raw = answer.headers.get("Set-Cookie") or ""
    match = re.search(r"(session=[^;]+)", raw)
    return match.group(1) if match else None


# --- measuring --------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(name: str, call, *, warm: int, samples: int, note: dict | None = None) -> dict:
    """Warm up, then time `samples` calls; every answer must be a success."""
    for n in range(warm):
        _succeed(name, call(n))
    seconds, sizes = [], []
    for n in range(warm, warm + samples):
        answer = _succeed(name, call(n))
        seconds.append(answer.seconds * 1000)
        sizes.append(len(answer.body))
    figures = {"n": samples, "p50": percentile(seconds, 0.5), "p95": percentile(seconds, 0.95),
               "mean": statistics.fmean(seconds), "min": min(seconds), "max": max(seconds),
               "bytes": int(statistics.median(sizes)),
               # The machine's 1-minute load average as the measure ends: on a shared
               # machine, what else was running says how far to trust the figure.
               "load_average": round(os.getloadavg()[0], 2)}
    figures.update(note or {})
    say(f"    {name:<16} p50 {figures['p50']:9.1f} ms   p95 {figures['p95']:9.1f} ms   "
        f"({samples} after {warm} warm-up; load {figures['load_average']:.2f})")
    return figures


def _succeed(name: str, answer: Answer) -> Answer:
    if not 200 <= answer.status < 300:
        raise RuntimeError(f"{name}: HTTP {answer.status}: {answer.body[:300]!r}")
    return answer


def run_scenarios(client: Client, hot: dict, *, full: bool, samples: int) -> dict:
    figures = {}
    figures["healthz"] = measure("healthz", lambda n: request(client.port, "GET", "/healthz"),
                                 warm=20, samples=max(samples * 4, 100))
    lots = hot["sample_lots"]
    receipt = hot["receipt"]
    if full:
        figures["scan"] = measure(
            "scan", lambda n: client.get(f"/api/v1/scan?code={_q(lots[n % len(lots)])}"),
            warm=10, samples=max(samples * 2, 50))
        client.sign_in()
        figures["lot_page"] = measure(
            "lot_page", lambda n: client.page(f"/l/{_q(lots[n % len(lots)])}"),
            warm=10, samples=max(samples * 2, 50))
        figures["suggestions"] = measure(
            "suggestions",
            lambda n: client.get(f"/api/v1/production-orders/{hot['suggest_20']}/suggestions"),
            warm=10, samples=samples, note={"components": 20})
        trace_note = {}
        for direction, lot in (("backward", hot["library_lot"]), ("forward", hot["hub_lot"])):
            path = f"/api/v1/lots/{_q(lot)}/trace?direction={direction}"
            body = json.loads(_succeed("trace", client.get(path)).body)
            trace_note[direction] = {"lot": lot, "lots": body["lot_count"],
                                     "shipments": len(body.get("shipments", []))}
            figures[f"trace_{direction}"] = measure(
                f"trace_{direction}", lambda n, path=path: client.get(path),
                warm=2, samples=max(5, samples // 2), note=trace_note[direction])
        recall_path = f"/api/v1/recall?lot={_q(hot['hub_lot'])}"
        body = json.loads(_succeed("recall", client.get(recall_path)).body)
        figures["recall"] = measure(
            "recall", lambda n: client.get(recall_path), warm=1, samples=max(5, samples // 3),
            note={"lot": hot["hub_lot"], "lots": len(body["lots"]),
                  "shipments": len(body["shipments"])})
        figures["valuation"] = measure(
            "valuation", lambda n: client.get("/api/v1/reports/valuation"), warm=2,
            samples=max(5, samples // 2))
        figures.update(sales_scenarios(client, samples))
        for name, orders, components in (("complete_20", hot["ready_20"], 20),
                                         ("complete_200", hot["ready_200"],
                                          hot.get("library_components", 200))):
            quantities = [json.loads(_succeed(name, client.get(
                f"/api/v1/production-orders/{number}")).body)["quantity"] for number in orders]
            warm = min(3, max(1, len(orders) // 4))
            figures[name] = measure(
                name, lambda n, orders=orders, quantities=quantities: client.post(
                    f"/api/v1/production-orders/{orders[n]}/complete",
                    {"quantity": quantities[n]}),
                warm=warm, samples=len(orders) - warm, note={"components": components})
    figures["receipt"] = measure(
        "receipt", lambda n: client.post("/api/v1/receipts", receipt),
        warm=10, samples=max(samples, 30))
    return figures


def sales_scenarios(client: Client, samples: int) -> dict:
    """Confirming a sales order of 20 lines (20 products, some short, so confirming counts
    real reservations) and the order's page (with what stock could make of the shortages),
    on drafts the bench takes first."""
    customer = "Bench customer"
    made = client.post("/api/v1/customers", {"name": customer})
    if made.status not in (201, 409):
        raise RuntimeError(f"could not make the bench customer ({made.status})")
    products = json.loads(_succeed("items", client.get("/api/v1/items?kind=product")).body)
    lines = [{"item": product["sku"], "quantity": "3", "price": "9.90"}
             for product in products[:20]]
    count = max(samples, 20) + 3
    numbers = [json.loads(_succeed("sales order", client.post(
        "/api/v1/sales-orders", {"customer": customer, "lines": lines})).body)["number"]
        for _ in range(count)]
    figures = {"confirm_20": measure(
        "confirm_20", lambda n: request(client.port, "POST",
                                        f"/api/v1/sales-orders/{numbers[n]}/confirm",
                                        headers=client.api),
        warm=3, samples=count - 3, note={"lines": len(lines)})}
    figures["sales_order_page"] = measure(
        "sales_order_page", lambda n: client.page(f"/sales-orders/{numbers[-1]}"),
        warm=5, samples=max(samples * 2, 50), note={"lines": len(lines)})
    return figures


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


# --- one database kind ------------------------------------------------------------------------

def bench(databases, sizes: list[int], samples: int, workers: int) -> dict:
    runs = {}
    big = max(sizes)
    for lots in sorted(sizes, reverse=True):
        url, manifest = databases.prepare(lots)
        flask(url, "users", "create", USER, "--role", "supervisor", "--password", PASSWORD)
        token = flask(url, "tokens", "create", USER, capture=True).splitlines()[-1]
        say(f"[{databases.name}] N={lots}: gunicorn, {workers} workers")
        server = Server(url, workers)
        try:
            figures = run_scenarios(Client(server.port, token), manifest["hot_spots"],
                                    full=lots == big, samples=samples)
        finally:
            server.stop()
        floor = figures["healthz"]["p50"]
        for entry in figures.values():
            entry["x_healthz_p50"] = entry["p50"] / floor
            entry["x_healthz_p95"] = entry["p95"] / floor
        runs[str(lots)] = {"lots": lots, "counts": manifest.get("counts"),
                           "build_seconds": manifest.get("build_seconds"),
                           "load_average_after": os.getloadavg(), "figures": figures}
    return runs


def evaluate(runs: dict, big: int, small: int | None) -> list[dict]:
    figures_big = runs[str(big)]["figures"]
    figures_small = runs[str(small)]["figures"] if small else None
    results = []
    for target in TARGETS:
        passed, detail = target.check(figures_big, figures_small)
        results.append({"target": target.text, "measure": target.name,
                        "result": "PASS" if passed else ("FAIL" if passed is False else "n/a"),
                        "detail": detail})
    return results


# --- reporting --------------------------------------------------------------------------------

ROWS = [("healthz", "GET /healthz (the floor)"), ("scan", "GET /api/v1/scan?code=<lot>"),
        ("lot_page", "GET /l/<lot> (HTML)"), ("suggestions", "suggestions, 20 components"),
        ("complete_20", "complete, 20 components"), ("complete_200", "complete, 200 components"),
        ("trace_backward", "trace backward"), ("trace_forward", "trace forward"),
        ("recall", "recall report"), ("valuation", "valuation report"),
        ("confirm_20", "confirm sales order, 20 lines"),
        ("sales_order_page", "GET /sales-orders/<n> (HTML)"),
        ("receipt", "POST /api/v1/receipts")]


def say(text: str) -> None:
    print(text, flush=True)


def machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": os.getloadavg()}
    try:
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        info["cpu"] = model.group(1).strip() if model else None
        memory = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        info["memory_gb"] = round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None
    except OSError:
        pass
    import sqlite3

    info["sqlite"] = sqlite3.sqlite_version
    return info


def print_report(report: dict) -> None:
    kinds = list(report["databases"])
    big, small = report["lots"], report["small_lots"]
    say("")
    say(f"Shopfloor benchmark, N = {big:,} lots (receipt also at N = {small:,}); "
        f"{report['machine']['cpus']} CPUs, load average before "
        f"{report['machine']['load_average'][0]:.2f}, after {report['load_average_after'][0]:.2f}")
    header = f"{'':<30}" + "".join(f"{kind + ' p50':>13}{'p95':>10}{'x floor':>9}"
                                    for kind in kinds)
    say(header)
    for name, label in ROWS:
        line = f"{label:<30}"
        for kind in kinds:
            entry = report["databases"][kind]["runs"][str(big)]["figures"].get(name)
            if entry:
                line += f"{entry['p50']:11.1f}ms{entry['p95']:8.1f}ms{entry['x_healthz_p50']:8.1f}x"
            else:
                line += f"{'-':>13}{'-':>10}{'-':>9}"
        say(line)
        if name == "receipt" and small:
            line = f"{'  ... at N = ' + format(small, ','):<30}"
            for kind in kinds:
                entry = report["databases"][kind]["runs"][str(small)]["figures"].get(name)
                line += (f"{entry['p50']:11.1f}ms{entry['p95']:8.1f}ms"
                         f"{entry['x_healthz_p50']:8.1f}x") if entry else f"{'-':>32}"
            say(line)
    for kind in kinds:
        figures = report["databases"][kind]["runs"][str(big)]["figures"]
        for direction in ("backward", "forward"):
            entry = figures.get(f"trace_{direction}")
            if entry:
                say(f"  [{kind}] trace {direction} of {entry['lot']}: {entry['lots']:,} lots, "
                    f"{entry.get('shipments', 0):,} shipment rows, {entry['bytes']:,} bytes")
        if figures.get("recall"):
            entry = figures["recall"]
            say(f"  [{kind}] recall of {entry['lot']}: {entry['lots']:,} lots, "
                f"{entry['shipments']:,} shipment rows, {entry['bytes']:,} bytes")
    say("")
    for kind in kinds:
        say(f"Targets ({kind}, N = {big:,}):")
        for result in report["databases"][kind]["targets"]:
            say(f"  {result['result']:<5} {result['target']:<58} {result['detail']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=20_000,
                        help="the smaller history the receipt is compared with (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=30,
                        help="timed requests per measure (more for cheap ones)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="sqlite, postgresql or both (postgresql is skipped when the "
                             "machine has no PostgreSQL)")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target fails (timings depend on the machine)")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    sizes = [args.lots] + ([args.small] if args.small else [])
    report = {"lots": args.lots, "small_lots": args.small, "seed": args.seed,
              "samples": args.samples, "workers": args.workers, "machine": machine(),
              "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "databases": {}}
    wanted = [name.strip() for name in args.databases.split(",") if name.strip()]
    for name in wanted:
        if name == "postgresql" and not postgres_available():
            say("[postgresql] skipped: no PostgreSQL on this machine (scripts/system-deps)")
            continue
        databases = SQLiteDatabases(args.seed) if name == "sqlite" else \
            PostgresDatabases(args.seed)
        try:
            runs = bench(databases, sizes, args.samples, args.workers)
        finally:
            databases.close()
        report["databases"][name] = {"runs": runs,
                                     "targets": evaluate(runs, args.lots, args.small or None)}
    report["load_average_after"] = os.getloadavg()
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    Path(args.output).write_text(json.dumps(report, indent=2))
    print_report(report)
    say(f"\nwritten to {os.path.relpath(args.output, ROOT)}")
    failed = [r for kind in report["databases"].values() for r in kind["targets"]
              if r["result"] == "FAIL"]
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
