"""`flask --app shopfloor serve`, what `make run` ends with: HTTP and HTTPS side by side.

One gunicorn serves one set of listeners with one TLS setting, and HTTP must stay plain (a
phone's first visit, health checks, a proxy in front). So the launcher starts two gunicorn
servers of the same `wsgi:app` — one on PORT, one with the local authority's certificate
on HTTPS_PORT — and supervises them: Ctrl-C or SIGTERM stops both, and if one of them dies
the other is stopped too and the launcher exits with its status, so nothing is left half
running. Production keeps `gunicorn wsgi:app` behind its own proxy (docs/ARCHITECTURE.md,
"Phones and printers").

Before starting them it makes or renews the certificate (shopfloor.serving.tls) and prints
where a phone can reach the app, a QR code of the HTTPS address and the demo sign-ins. It
checks the certificate again every hour; gunicorn reads the files for each new connection,
so a renewed certificate is served without a restart.
"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qrcode import QRCode

from shopfloor.serving import network, tls

RECHECK_SECONDS = 3600
STOP_GRACE_SECONDS = 20


@dataclass
class ServePlan:
    http_bind: str
    https_bind: str | None
    http_urls: list[str]
    https_urls: list[str]
    tls_files: tls.TlsFiles | None


def plan(instance_path: Path, port: int, https_port: int, tls_enabled: bool,
         identity: network.MachineIdentity | None = None) -> ServePlan:
    identity = identity or network.machine_identity()
    http_bind = network.listen_address(port, identity)
    http_urls = [network.url("http", a, port)
                 for a in network.served_addresses(identity, http_bind)]
    if not tls_enabled:
        return ServePlan(http_bind, None, http_urls, [], None)
    files = tls.ensure_certificates(tls_directory(instance_path), identity)
    https_bind = network.listen_address(https_port, identity)
    https_urls = [network.url("https", a, https_port)
                  for a in network.served_addresses(identity, https_bind)]
    return ServePlan(http_bind, https_bind, http_urls, https_urls, files)


def tls_directory(instance_path: Path) -> Path:
    return Path(instance_path) / "tls"


def gunicorn_command(bind: str, workers: int, files: tls.TlsFiles | None = None) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", bind,
               # The two servers are supervised here; gunicorn's own control socket (one
               # path per user) would be claimed by both.
               "--no-control-socket", "--access-logfile", "-", "wsgi:app"]
    if files is not None:
        command += ["--certfile", str(files.certfile), "--keyfile", str(files.keyfile)]
    return command


def banner(serve_plan: ServePlan, demo_sign_ins: list[str], port: int,
           https_port: int) -> str:
    out = io.StringIO()
    out.write("\nShopfloor is starting. Open it from a phone or tablet on this network:\n")
    for address in serve_plan.https_urls + serve_plan.http_urls:
        out.write(f"  {address}\n")
    if not serve_plan.http_urls:
        out.write(f"  (no network address found: http://localhost:{port} on this machine)\n")
    if serve_plan.https_urls:
        first = serve_plan.https_urls[0]
        if serve_plan.http_urls:
            out.write(f"\nA new phone first opens {serve_plan.http_urls[0]}/phone to trust this "
                      "machine's certificate (once per phone).\n")
        out.write(f"Scan this with the phone's camera to open {first}/ :\n\n")
        qr = QRCode(border=2)
        qr.add_data(f"{first}/")
        qr.make(fit=True)
        qr.print_ascii(out=out, invert=True)
    elif serve_plan.tls_files is None:
        out.write("\nHTTPS is off (SHOPFLOOR_TLS=off): serve it through your proxy.\n")
    if demo_sign_ins:
        out.write("\nDemo sign-ins (change these passwords before real use):\n")
        for line in demo_sign_ins:
            out.write(f"  {line}\n")
    out.write("\n")
    return out.getvalue()


def supervise(commands: list[list[str]], cwd: Path,
              recheck: Callable[[], None] | None = None) -> int:
    """Run the servers until a signal or until one of them exits; stop them all either way.
    Returns the exit status for the launcher."""
    children = [subprocess.Popen(command, cwd=cwd) for command in commands]
    stopping = {"signal": None}

    def stop(signum, _frame):
        stopping["signal"] = signum

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    next_check = time.monotonic() + RECHECK_SECONDS
    try:
        while stopping["signal"] is None:
            ended = [child for child in children if child.poll() is not None]
            if ended:
                status = ended[0].returncode or 1
                print(f"shopfloor: a server exited ({ended[0].returncode}); stopping the rest",
                      file=sys.stderr, flush=True)
                break
            if recheck is not None and time.monotonic() >= next_check:
                next_check = time.monotonic() + RECHECK_SECONDS
                recheck()
            time.sleep(0.5)
    finally:
        _stop_all(children)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status


def _stop_all(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
