"""Addresses to share and their QR codes: printed in the terminal, and large on /join.

Finding this machine's local-network addresses sends nothing: a UDP socket's `connect` only
asks the kernel which interface it would use.
"""

from __future__ import annotations

import ipaddress
import socket

import segno


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses on local networks (not loopback), best guess first."""
    found: list[str] = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 9))  # no packet is sent for a UDP connect
        found.append(probe.getsockname()[0])
    except OSError:
        pass
    finally:
        probe.close()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            host = info[4][0]
            if isinstance(host, str):  # always, for AF_INET: (host, port)
                found.append(host)
    except OSError:
        pass
    usable = []
    for address in found:
        ip = ipaddress.ip_address(address)
        if not ip.is_loopback and not ip.is_unspecified and address not in usable:
            usable.append(address)
    return usable


def qr_terminal(url: str) -> str:
    """The QR code as text blocks for a terminal."""
    import io

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def qr_svg(url: str) -> str:
    """An inline <svg> (no request to anywhere), scaled by CSS to fill the projector."""
    return segno.make(url, error="m").svg_inline(
        scale=10, omitsize=True, dark="#000", light="#fff", title=f"QR code for {url}"
    )
