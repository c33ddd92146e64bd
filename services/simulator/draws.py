"""Stable pseudo-random draws: the simulator's answers are a pure function of their inputs.

Python's hash() is salted per process, so draws hash their parts with blake2b instead; the same
parts give the same number in every process and on every machine.
"""

from __future__ import annotations

import functools
import hashlib

# Copying a fresh 8-byte blake2b state is cheaper than building one (no parameter parsing and setup).
_BLAKE2B_8 = hashlib.blake2b(digest_size=8)


def unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for the parts (Python's hash() is salted per process)."""
    state = _BLAKE2B_8.copy()
    state.update("\x1f".join(map(str, parts)).encode())
    return int.from_bytes(state.digest(), "big") / 2**64


# unit() of parts that name only a persona and a brand: the same few thousand values on every request,
# while hashing costs about a microsecond. typed=True because 1 and 1.0 hash to different units.
fixed_unit = functools.lru_cache(maxsize=8192, typed=True)(unit)


class UnitSeries:
    """unit(*prefix, last) for many values of `last`: the shared prefix (question included) is
    hashed once and each value only extends a copy of that hash state, giving the same digest."""

    __slots__ = ("_state",)

    def __init__(self, *prefix: object) -> None:
        self._state = _BLAKE2B_8.copy()
        self._state.update(("\x1f".join(map(str, prefix)) + "\x1f").encode())

    def __call__(self, last: object) -> float:
        state = self._state.copy()
        state.update(str(last).encode())
        return int.from_bytes(state.digest(), "big") / 2**64
