"""Unmasking the small frames clients send, without Autobahn's per-frame C object.

Every frame a browser or bot sends is masked (RFC 6455 5.3), and Autobahn makes a masker
for each one: with its native NVX build, a CFFI object that imports its module, allocates
the mask and a state, and copies the payload in and out again (about 4 us a frame here,
3% of a one-process server's samples under 500 games of moves, whose frames are a few
dozen bytes). For a small payload, one XOR of two Python integers does the same work in
C in under half the time. Large frames keep Autobahn's masker.
"""

from __future__ import annotations

from autobahn.websocket import protocol as autobahn_protocol

SMALL_PAYLOAD = 4096  # bytes; larger payloads are unmasked by Autobahn's own masker

_autobahn_masker = autobahn_protocol.create_xor_masker


class SmallPayloadMasker:
    """Autobahn's masker interface (``process``, ``pointer``, ``reset``), for payloads
    that may arrive in pieces: each piece continues the mask where the last one ended."""

    __slots__ = ("_mask", "_position")

    def __init__(self, mask: bytes):
        self._mask = bytes(mask)
        self._position = 0

    def pointer(self) -> int:
        return self._position

    def reset(self) -> None:
        self._position = 0

    def process(self, data) -> bytes:
        size = len(data)
        offset = self._position & 3
        key = (self._mask[offset:] + self._mask[:offset]) * ((size >> 2) + 1)
        self._position += size
        masked = int.from_bytes(data, "little") ^ int.from_bytes(key[:size], "little")
        return masked.to_bytes(size, "little")


def create_xor_masker(mask, length=None):
    if length is not None and length <= SMALL_PAYLOAD:
        return SmallPayloadMasker(mask)
    return _autobahn_masker(mask, length)


def install() -> None:
    """Make Autobahn's frame parser use :func:`create_xor_masker`."""
    autobahn_protocol.create_xor_masker = create_xor_masker
