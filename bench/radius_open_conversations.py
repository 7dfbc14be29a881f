#!/usr/bin/env python3
"""Opens N EAP conversations on a RADIUS server and leaves them open: N Access-Requests with an
EAP-Response/Identity, each from its own identifier and a fresh authenticator, with a correct
Message-Authenticator (RFC 3579). Waits for each Access-Challenge, so that every conversation exists
when it returns. For bench/radius's memory-per-conversation figure.

Usage: radius_open_conversations.py HOST PORT SECRET N
"""
import hashlib
import hmac
import os
import socket
import struct
import sys


def access_request(identifier, secret, identity):
    authenticator = os.urandom(16)
    eap = struct.pack("!BBHB", 2, 0, 5 + len(identity), 1) + identity
    attributes = bytes([1, 2 + len(identity)]) + identity + bytes([79, 2 + len(eap)]) + eap
    attributes += bytes([80, 18]) + bytes(16)
    length = 20 + len(attributes)
    packet = struct.pack("!BBH", 1, identifier, length) + authenticator + attributes
    mac = hmac.new(secret, packet, hashlib.md5).digest()
    return packet[:-16] + mac


def main():
    host, port, secret, count = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), int(sys.argv[4])
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(max(1, count // 200))]
    opened = 0
    for n in range(count):
        s = sockets[n % len(sockets)]
        s.settimeout(2)
        s.sendto(access_request(n % 256, secret, b"user-%d" % n), (host, port))
        try:
            answer, _ = s.recvfrom(4096)
            opened += answer[0] == 11  # Access-Challenge
        except socket.timeout:
            pass
    print(f"opened {opened} of {count} conversations", file=sys.stderr)


if __name__ == "__main__":
    main()
