"""A tiny seeded PRNG (SplitMix64) whose whole state is one integer kept inside the game state.

``random.Random`` is avoided on purpose: its state is 625 words and its algorithms
may change between Python versions, while a game's state must serialize compactly
and replay byte-identically forever.
"""

from __future__ import annotations

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def seed_state(seed: int) -> int:
    """Turn any integer seed into a 64-bit generator state."""
    return mix(seed & MASK64)


def mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class Rng:
    """A generator over a copied state: the engine reads ``state`` back after the rules ran."""

    __slots__ = ("state",)

    def __init__(self, state: int):
        self.state = state

    def next64(self) -> int:
        self.state = (self.state + GOLDEN) & MASK64
        return mix(self.state)

    def below(self, n: int) -> int:
        """A number in ``range(n)`` (Lemire's multiply-shift; bias is below 2**-58 for n < 64)."""
        if n <= 0:
            raise ValueError("n must be positive")
        return (self.next64() * n) >> 64

    def roll(self, sides: int = 6) -> int:
        return 1 + self.below(sides)

    def shuffle(self, items: list) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
