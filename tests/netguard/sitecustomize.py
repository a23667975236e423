"""Fails loudly on any connection that leaves this machine.

Loaded by ``tests/conftest.py`` in the test process and, through PYTHONPATH, by every subprocess
the tests start (this file is a ``sitecustomize``). Each refused attempt is also appended to the
file named by ``NEWSDESK_NETGUARD_LOG`` so a test can assert that none happened, even when the
library that tried swallowed the error.
"""

import ipaddress
import os
import socket
import sys

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}
attempts: list[str] = []


def is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _record(what: str) -> None:
    attempts.append(what)
    log = os.environ.get("NEWSDESK_NETGUARD_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(what + "\n")


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
            _record(f"connect {address!r}")
            raise ConnectionRefusedError(f"network blocked by the test guard: {address!r}")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if not is_local(host):
            _record(f"getaddrinfo {host!r}")
            raise socket.gaierror(f"network blocked by the test guard: {host!r}")


if not getattr(sys, "_newsdesk_netguard", False):
    sys._newsdesk_netguard = True
    sys.addaudithook(_hook)
