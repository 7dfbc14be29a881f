#!/usr/bin/env python3
"""Sends the RADIUS server malformed and hostile datagrams, one table row at a time, and checks that
each goes unanswered (or, where the table says so, is refused with an Access-Reject), and that the
server still answers a good request after every row.

Usage: bad_packets.py HOST PORT SECRET
"""
import hashlib
import hmac
import os
import socket
import struct
import sys

HOST, PORT, SECRET = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()


def attr(kind, value):
    return bytes([kind, 2 + len(value)]) + value


def packet(code, ident, attributes, authenticator=None, length=None):
    body = b"".join(attributes)
    size = 20 + len(body) if length is None else length
    return struct.pack("!BBH", code, ident, size) + (authenticator or os.urandom(16)) + body


def signed(ident, attributes):
    """An Access-Request with a correct Message-Authenticator first."""
    wire = packet(1, ident, [attr(80, bytes(16))] + attributes)
    return wire[:22] + hmac.new(SECRET, wire, hashlib.md5).digest() + wire[38:]


def eap(code, ident, data):
    return struct.pack("!BBH", code, ident, 4 + len(data)) + data


def eap_attrs(message):
    return [attr(79, message[i:i + 253]) for i in range(0, len(message), 253)]


identity = eap(2, 0, b"\x01alice")
ROWS = [
    # (name, datagram, expected: "silence" or "reject")
    ("shorter than a header", b"\x01\x02\x00\x14" + bytes(10), "silence"),
    ("length field larger than the datagram", packet(1, 3, [attr(1, b"alice")], length=200), "silence"),
    ("length field under 20", packet(1, 4, [attr(1, b"alice")], length=12), "silence"),
    ("length field over 4096", packet(1, 5, [attr(1, b"alice")], length=5000), "silence"),
    ("an attribute of length 0", packet(1, 6, [b"\x01\x00alice"]), "silence"),
    ("an attribute of length 1", packet(1, 7, [b"\x01\x01"]), "silence"),
    ("an attribute running past the end", packet(1, 8, [b"\x01\x40alice"]), "silence"),
    ("a datagram over 4096 octets", packet(1, 9, [attr(26, bytes(250))] * 17), "silence"),
    ("no Message-Authenticator", packet(1, 10, eap_attrs(identity)), "silence"),
    ("a Message-Authenticator of the wrong size", packet(1, 11, [attr(80, bytes(8))] + eap_attrs(identity)), "silence"),
    ("a forged Message-Authenticator", packet(1, 12, [attr(80, os.urandom(16))] + eap_attrs(identity)), "silence"),
    ("an Access-Accept sent to the server", packet(2, 13, [attr(80, bytes(16))]), "silence"),
    ("an EAP length that disagrees with its attributes", signed(14, [attr(79, b"\x02\x00\x00\x40\x01alice")]), "silence"),
    ("an EAP Request from the NAS", signed(15, eap_attrs(eap(1, 0, b"\x01"))), "silence"),
    ("an unknown State", signed(16, [attr(24, os.urandom(16))] + eap_attrs(eap(2, 1, b"\x0d\x00"))), "reject"),
    ("EAP-TLS without a State", signed(17, eap_attrs(eap(2, 1, b"\x0d\x00"))), "reject"),
    ("no EAP-Message at all (PAP)", signed(18, [attr(1, b"alice"), attr(2, os.urandom(16))]), "reject"),
]


def exchange(sock, datagram, wait=0.5):
    sock.sendto(datagram, (HOST, PORT))
    sock.settimeout(wait)
    try:
        answer, _ = sock.recvfrom(4096)
        return answer
    except socket.timeout:
        return None


def main():
    failures = 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for number, (name, datagram, expected) in enumerate(ROWS):
        answer = exchange(sock, datagram)
        got = "silence" if answer is None else {3: "reject", 11: "challenge", 2: "accept"}.get(answer[0], "other")
        control = exchange(sock, signed(100 + number, [attr(1, b"alice")] + eap_attrs(identity)), wait=2)
        alive = control is not None and control[0] == 11
        ok = got == expected and alive
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {got}{'' if alive else ' (and the server stopped answering)'}")
    # A retransmission (same source, identifier and authenticator) gets the answer already sent,
    # not a second conversation: the same State, byte for byte.
    request = signed(150, [attr(1, b"alice")] + eap_attrs(identity))
    first, again = exchange(sock, request, wait=2), exchange(sock, request, wait=2)
    ok = first is not None and first == again
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} a retransmitted request gets the same answer again")
    # Inside a conversation: a TLS record of garbage, and a flight announced past the limit.
    for name, fragment in (("a TLS record of garbage", b"\x00" + bytes([0x16, 3, 3, 0, 40]) + os.urandom(40)),
                           ("a flight announced past the reassembly limit", b"\xc0\x00\x10\x00\x00" + bytes(200))):
        challenge = exchange(sock, signed(200, [attr(1, b"alice")] + eap_attrs(identity)), wait=2)
        state = None
        at = 20
        while challenge and at < len(challenge):
            kind, size = challenge[at], challenge[at + 1]
            if kind == 24:
                state = challenge[at + 2:at + size]
            at += size
        answer = exchange(sock, signed(201, [attr(24, state or b"")] + eap_attrs(eap(2, 1, b"\x0d" + fragment))), wait=2)
        ok = answer is not None and answer[0] == 3
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {'reject' if ok else 'no reject'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
