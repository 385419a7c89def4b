"""Sending labels to printers on the network: ZPL over raw TCP, or a minimal IPP Print-Job.

ZPL printers (Zebra and compatibles) take ZPL as bytes on a raw TCP port, 9100 by default;
each `^XA…^XZ` document is one label. For a CUPS queue or an IPP printer we speak IPP
(RFC 8011) ourselves — one Print-Job request over HTTP — rather than run the `lp` command:
the server then needs no CUPS client installed, the short timeout is ours to set, the
printer's own error comes back as the job's answer, and a test can stand a listener in for
the printer. Both raise PrintFailed with what went wrong.
"""

from __future__ import annotations

import http.client
import socket
import struct
from collections.abc import Iterable

from shopfloor.domain.messages import t

TIMEOUT_SECONDS = 5.0


class PrintFailed(Exception):
    pass


def send_raw(host: str, port: int, documents: Iterable[bytes],
             timeout: float = TIMEOUT_SECONDS) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            # Sent and closed: a Zebra answers nothing on its raw port, and keeps the
            # connection open until the sender closes it.
            for document in documents:
                connection.sendall(document)
    except OSError as error:
        raise PrintFailed(_describe(error)) from error


# --- IPP ------------------------------------------------------------------------------------

_PRINT_JOB = 0x0002
_OPERATION_ATTRIBUTES, _JOB_ATTRIBUTES, _END = 0x01, 0x02, 0x03
_INTEGER, _URI, _CHARSET, _LANGUAGE, _NAME, _MIME = 0x21, 0x45, 0x47, 0x48, 0x42, 0x49


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    encoded = name.encode()
    return (struct.pack(">BH", tag, len(encoded)) + encoded
            + struct.pack(">H", len(value)) + value)


def ipp_print_job(printer_uri: str, document: bytes, document_format: str, copies: int,
                  job_name: str, user: str, request_id: int = 1) -> bytes:
    """The body of an IPP/1.1 Print-Job request."""
    body = struct.pack(">BBHI", 1, 1, _PRINT_JOB, request_id)
    body += bytes([_OPERATION_ATTRIBUTES])
    body += _attribute(_CHARSET, "attributes-charset", b"utf-8")
    body += _attribute(_LANGUAGE, "attributes-natural-language", b"en")
    body += _attribute(_URI, "printer-uri", printer_uri.encode())
    body += _attribute(_NAME, "requesting-user-name", user.encode()[:255])
    body += _attribute(_NAME, "job-name", job_name.encode()[:255])
    body += _attribute(_MIME, "document-format", document_format.encode())
    body += bytes([_JOB_ATTRIBUTES])
    body += _attribute(_INTEGER, "copies", struct.pack(">i", copies))
    body += bytes([_END])
    return body + document


def queue_path(queue: str | None) -> str:
    """CUPS names a queue `/printers/<name>`; an IPP printer's own path (`ipp/print`) is
    given with its slash."""
    if not queue:
        return "/ipp/print"
    return "/" + queue.lstrip("/") if "/" in queue else f"/printers/{queue}"


def send_ipp(host: str, port: int, queue: str | None, document: bytes, document_format: str,
             copies: int, job_name: str, user: str, timeout: float = TIMEOUT_SECONDS) -> None:
    path = queue_path(queue)
    uri = f"ipp://{host}:{port}{path}"
    body = ipp_print_job(uri, document, document_format, copies, job_name, user)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/ipp"})
        response = connection.getresponse()
        answer = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise PrintFailed(_describe(error)) from error
    finally:
        connection.close()
    if response.status != 200:
        raise PrintFailed(t("the printer answered HTTP {status}", status=response.status))
    if len(answer) < 8:
        raise PrintFailed(t("the printer's answer is not IPP"))
    status = struct.unpack(">H", answer[2:4])[0]
    if status >= 0x0100:  # 0x00xx are the successful status codes
        raise PrintFailed(t("the printer refused the job (IPP status {status})",
                            status=f"0x{status:04x}"))


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return t("no answer within {seconds} s", seconds=int(TIMEOUT_SECONDS))
    if isinstance(error, ConnectionRefusedError):
        return t("connection refused")
    if isinstance(error, socket.gaierror):
        return t("unknown host")
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or error.__class__.__name__
