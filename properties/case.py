"""One input of dCE/dU, shared by the laws, the diagnosis, the derivation and the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Case:
    """One input of dCE/dU: U (W, d), v_c (d,), the target word o, and its label vector y.

    ``labels`` is a general label vector y >= 0 of shape (W,) (soft labels, eq. 20), as the
    derivation uses; None means the one-hot label of o, as the laws and the benchmarks use.
    """

    U: np.ndarray
    v_c: np.ndarray
    o: int
    note: str = field(default="", compare=False)
    labels: np.ndarray | None = field(default=None, compare=False)

    @property
    def W(self) -> int:
        return int(self.U.shape[0])

    @property
    def d(self) -> int:
        return int(self.U.shape[1])

    @property
    def dtype(self) -> np.dtype:
        return self.U.dtype

    @property
    def y(self) -> np.ndarray:
        """The label vector: ``labels``, or the one-hot e_o (float64, shape (W,))."""
        if self.labels is not None:
            return self.labels
        one_hot = np.zeros(self.W)
        one_hot[self.o] = 1.0
        return one_hot

    def describe(self, max_entries: int = 12) -> str:
        """``W=2, d=1, o=0, v_c=[1.0], U=[[0.0], [0.0]]``, abbreviated for large arrays."""
        dtype = "" if self.U.dtype == np.float64 else f", dtype={self.U.dtype}"
        return (
            f"W={self.W}, d={self.d}, o={self.o}{dtype}, v_c={_show(self.v_c, max_entries)}, "
            f"U={_show(self.U, max_entries)}"
        )

    def to_json(self) -> dict[str, object]:
        return {"W": self.W, "d": self.d, "o": self.o, "dtype": str(self.U.dtype),
                "v_c": self.v_c.tolist(), "U": self.U.tolist()}


def _show(a: np.ndarray, max_entries: int) -> str:
    if a.size <= max_entries:
        return str(a.tolist())
    distinct = np.unique(a)
    if distinct.size == 1:
        return f"<all {a.size} entries {distinct[0]!r}, shape {a.shape}>"
    return (f"<shape {a.shape}, {distinct.size} distinct values in [{a.min():.6g}, {a.max():.6g}], "
            f"first row {np.array2string(a.reshape(-1, a.shape[-1])[0][:8], separator=', ', precision=6)}>")
