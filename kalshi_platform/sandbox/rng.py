"""Counter-based randomness: every draw is a pure function of (seed, what, indices).

The world is never stepped; any quote, trade or fault is recomputed from its coordinates, so the same
seed and clock give the same bytes whatever order requests arrive in. splitmix64 over numpy uint64
arrays keeps it vectorised (uint64 arithmetic wraps, which is what the mixer wants).
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_MASK = (1 << 64) - 1


def tag(name: str) -> int:
    """A stable small integer for a string salt (crc32 is stable across runs, unlike hash())."""
    return zlib.crc32(name.encode())


def str_hash(text: str) -> int:
    """Stable 63-bit hash of a string, for build-time use (tickers, names)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


def _u64(x) -> np.ndarray:
    if isinstance(x, (int, np.integer)):
        return np.atleast_1d(np.uint64(int(x) & _MASK))
    arr = np.asarray(x)
    if arr.dtype == np.uint64:
        return np.atleast_1d(arr)
    return np.atleast_1d(arr.astype(np.int64).astype(np.uint64))


def _mix(x: np.ndarray) -> np.ndarray:
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


def hash64(*parts) -> np.ndarray:
    """Mix any number of ints / int arrays (broadcast together) into uint64 hashes."""
    with np.errstate(over="ignore"):
        acc = _mix(_u64(parts[0]) + _GOLDEN)
        for part in parts[1:]:
            acc = _mix(acc ^ _mix(_u64(part) + _GOLDEN))
        return acc


def uniform(*parts) -> np.ndarray:
    """Uniform floats in [0, 1) (53 bits)."""
    return (hash64(*parts) >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)


def normal(*parts) -> np.ndarray:
    """Standard normal draws via Box-Muller on two independent uniforms."""
    u1 = uniform(*parts, 0x5F1)
    u2 = uniform(*parts, 0x5F2)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def poisson(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson counts by inverse CDF from given uniforms; normal approximation above lam=30."""
    u = np.asarray(u, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    n = np.zeros(u.shape, dtype=np.int64)
    big = lam > 30.0
    if big.any():
        # Wilson-Hilferty-free shortcut: the tail is irrelevant for trade counts this large.
        z = np.sqrt(2.0) * _erfinv(2.0 * np.clip(u[big], 1e-12, 1 - 1e-12) - 1.0)
        n[big] = np.maximum(0, np.floor(lam[big] + np.sqrt(lam[big]) * z + 0.5)).astype(np.int64)
    small = ~big & (lam > 0)
    if small.any():
        us, ls = u[small], lam[small]
        p = np.exp(-ls)
        cdf = p.copy()
        k = np.zeros(us.shape, dtype=np.int64)
        open_ = us > cdf
        step = 1
        while open_.any() and step < 200:
            k[open_] += 1
            p = p * ls / step
            cdf = cdf + p
            open_ &= us > cdf
            step += 1
        n[small] = k
    return n


def _erfinv(y: np.ndarray) -> np.ndarray:
    # Giles' single-precision approximation; plenty for a count's normal approximation.
    w = -np.log((1.0 - y) * (1.0 + y))
    w1 = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p1 = c + p1 * w1
    w2 = np.sqrt(np.maximum(w, 5.0)) - 3.0
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p2 = c + p2 * w2
    return np.where(w < 5.0, p1, p2) * y


def uuid_from(h1: int, h2: int) -> str:
    """A UUID-shaped id from two 64-bit hashes (Kalshi trade/fill ids are UUID strings)."""
    text = f"{h1 & _MASK:016x}{h2 & _MASK:016x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}"
