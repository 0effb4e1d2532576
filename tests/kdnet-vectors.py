#!/usr/bin/env python3
"""Known answers for KDNET (docs/protocol.md §5), computed without kdhost.

test-kdnet runs this and checks kdhost's keys and datagrams against what it
prints: hashlib and hmac from Python's standard library, AES from
python3-cryptography (OpenSSL), not the nettle that kdhost uses, so the
crypto is not checked against itself. Output: one "name=value" per line;
byte strings in hexadecimal.
"""

import hashlib
import hmac
import struct
import sys

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:
    sys.exit("kdnet-vectors.py needs python3-cryptography (scripts/install-deps installs it)")


def control_key(text):
    """Four base-36 words, each 8 bytes little-endian."""
    words = text.split(".")
    assert len(words) == 4
    return b"".join(struct.pack("<Q", int(w, 36)) for w in words)


def hmac_key(key):
    return bytes(b ^ 0xFF for b in key)


def seal(version, channel, seq, from_host, payload, key, hkey):
    pad = (16 - (8 + len(payload)) % 16) % 16
    word = (seq << 8) | (0x80 if from_host else 0) | pad
    plain = b"MDBG" + bytes([version, channel]) + struct.pack(">Q", word) + payload + bytes(pad)
    tag = hmac.new(hkey, plain, hashlib.sha256).digest()[:16]
    enc = Cipher(algorithms.AES(key), modes.CBC(tag)).encryptor()
    body = enc.update(plain[6:]) + enc.finalize()
    return plain[:6] + body + tag


def kd_data_packet(ptype, pid, data):
    """A KD data packet as KDNET carries it: header and data, no trailer."""
    return struct.pack("<IHHII", 0x30303030, ptype, len(data), pid, sum(data) & 0xFFFFFFFF) + data


def out(name, value):
    if isinstance(value, (bytes, bytearray)):
        value = value.hex()
    print(f"{name}={value}")


def main():
    # Key parsing: small words, the largest 64-bit word, upper case.
    for i, text in enumerate(["1.2.3.4", "3w5e11264sgsf.0.z.10", "1A2B3C4D5E6F.G7H8.ZZZZ.9"]):
        key = control_key(text)
        out(f"key{i}.text", text)
        out(f"key{i}.control", key)
        out(f"key{i}.hmac", hmac_key(key))

    key = control_key("1a2b3c4d5e6f7.8g9h.iuy0.kdhost")
    hkey = hmac_key(key)
    out("session.key", "1a2b3c4d5e6f7.8g9h.iuy0.kdhost")

    # The target's poke: 01 01, client key, zeros, host port 0 at 86.
    client_key = bytes(range(0x40, 0x60))
    poke = bytearray(344)
    poke[0:2] = b"\x01\x01"
    poke[2:34] = client_key
    poke_dgram = seal(2, 1, 0xA86, False, bytes(poke), key, hkey)
    out("poke.client_key", client_key)
    out("poke.sequence", 0xA86)
    out("poke.datagram", poke_dgram)

    # The host's response and the data key from it.
    host_key = hashlib.sha256(b"kdhost known answer host key").digest()
    response = b"\x01\x02" + client_key + host_key + bytes(322 - 66)
    data_key = hashlib.sha256(key + response).digest()
    out("response.host_key", host_key)
    out("response.datagram", seal(2, 1, 0xA86, True, response, key, hkey))
    out("data.key", data_key)

    # One encrypted datagram each way on the data channel: the host's
    # GetVersion request (KDNET packet id 0x80000000) and the target's
    # state change header (id 0x926), both whole KD packets.
    request = bytearray(56)
    request[0:4] = struct.pack("<I", 0x3146)
    request[8:12] = struct.pack("<I", 0x103)
    host_packet = kd_data_packet(2, 0x80000000, bytes(request))
    out("host.payload", host_packet)
    out("host.sequence", 5)
    out("host.datagram", seal(2, 0, 5, True, host_packet, data_key, hkey))

    target_packet = kd_data_packet(3, 0x926, b"\x30\x32\x00\x00" + bytes(12) + b"kdhost\n")
    out("target.payload", target_packet)
    out("target.sequence", 3)
    out("target.datagram", seal(2, 0, 3, False, target_packet, data_key, hkey))

    # The break-in byte, alone in its datagram (one block with 7 pad bytes).
    out("breakin.datagram", seal(2, 0, 2, True, b"\x62", data_key, hkey))


if __name__ == "__main__":
    main()
