"""The names and addresses by which a phone on the same network can reach this machine."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

import psutil

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class MachineIdentity:
    """What the certificate names: host names (`localhost` included, for the machine itself)
    and every address, loopback included. `reachable` are the addresses a phone can open."""

    names: tuple[str, ...]
    addresses: tuple[IPAddress, ...]

    @property
    def reachable(self) -> tuple[IPAddress, ...]:
        return tuple(a for a in self.addresses if not a.is_loopback)


def machine_identity() -> MachineIdentity:
    host = socket.gethostname().strip().rstrip(".").lower()
    names = []
    for name in (host, f"{host.split('.')[0]}.local", "localhost"):
        if name and name not in names and _is_dns_name(name):
            names.append(name)
    return MachineIdentity(names=tuple(names), addresses=tuple(interface_addresses()))


def interface_addresses() -> list[IPAddress]:
    """Every address of every interface that is up, IPv4 first, loopback last. Link-local
    IPv6 addresses (fe80::) are left out: a URL cannot carry the interface they need."""
    stats = psutil.net_if_stats()
    found: list[IPAddress] = []
    for interface, addresses in psutil.net_if_addrs().items():
        if interface in stats and not stats[interface].isup:
            continue
        for entry in addresses:
            if entry.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            try:
                address = ipaddress.ip_address(entry.address.split("%")[0])
            except ValueError:
                continue
            if address.is_link_local or address.is_multicast or address.is_unspecified:
                continue
            if address not in found:
                found.append(address)
    return sorted(found, key=lambda a: (a.is_loopback, a.version, int(a)))


def ipv6_dual_stack() -> bool:
    """Whether one IPv6 listening socket also takes IPv4 (Linux's default), so a server can
    listen on `[::]` alone and be reached on both kinds of address."""
    if not socket.has_ipv6:
        return False
    setting = Path("/proc/sys/net/ipv6/bindv6only")
    try:
        return setting.read_text().strip() == "0"
    except OSError:
        return False


def listen_address(port: int, identity: MachineIdentity) -> str:
    if any(a.version == 6 for a in identity.reachable) and ipv6_dual_stack():
        return f"[::]:{port}"
    return f"0.0.0.0:{port}"


def served_addresses(identity: MachineIdentity, bind: str) -> tuple[IPAddress, ...]:
    """The reachable addresses a server listening on `bind` answers on."""
    return tuple(a for a in identity.reachable if a.version == 4 or bind.startswith("[::]"))


def url(scheme: str, address: IPAddress | str, port: int) -> str:
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def _is_dns_name(name: str) -> bool:
    return all(part and len(part) < 64 and all(c.isalnum() or c == "-" for c in part)
               and part.isascii() for part in name.split("."))
