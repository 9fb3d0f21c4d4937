"""The fast path: the same gradients as the reference, at the memory-bandwidth floor.

Notation as in ``reference``: U (W, d), v_c (d,), o, c = ŷ - y (W,), dCE/dU = c v_cᵀ (eq. 24).
The gradient is rank one, so the work no implementation can skip is one read of U for the logits
z = U v_c, then one pass over W x d memory: a fresh write for :func:`grad_U`, an in-place
read-modify-write of U for :func:`sgd_step`.  The obvious ``U -= lr * np.outer(c, v_c)`` makes three
such passes (write the outer product, scale it, read it back to subtract); here each function makes one.

    sgd_step(U, v_c, o, lr)        U += (-lr c) v_cᵀ in place by BLAS ``ger`` (a rank-one update);
                                   O(W + d) extra memory, never a W x d temporary
    grad_U(U, v_c, o, out=None)    c v_cᵀ: ``ger`` into a fresh zeroed array, or written into ``out``
    grad_v_c(U, v_c, o)            Uᵀ (ŷ - y): two reads of U, as the reference, without its W x d check
    loss(U, v_c, o)                logsumexp(z) - z_o from one read of U
    grad_U_batch(U, V_c, O)        Σ_b dCE_b/dU = (Ŷ - Y)ᵀ V_c for B centre words, two matrix products
    loss_batch(U, V_c, O)          the B losses CE_b = logsumexp(z_b) - z_b,o_b, as float64

Float32 stays float32 throughout.  Arguments get the reference's checks and messages
(``reference._validate``), except that U's finiteness is certified through the logits (or, batched,
U's sum) instead of np.isfinite(U), whose pass and W x d boolean mask would cost as much as the update.
BLAS comes from scipy; without scipy the same results come from chunked numpy updates, more slowly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from reference import _validate

try:
    from scipy.linalg import blas as _blas
except ImportError:  # scipy is optional: the chunked numpy fallback below gives the same results
    _blas = None

__all__ = ["grad_U", "grad_U_batch", "grad_v_c", "loss", "loss_batch", "sgd_step"]

#: Rows of U updated per numpy operation in the fallback: the temporary step[rows] * v_c then holds
#: about this many entries (512 KiB in float64), small against cache and O(1) in W, yet large enough
#: that the Python loop costs little next to the arithmetic.
_CHUNK_ENTRIES = 1 << 16

_Ger = Callable[..., np.ndarray]


def _ger_for(dtype: np.dtype) -> _Ger | None:
    """BLAS ``a += alpha x yᵀ`` of the matching precision (dger/sger), or None without scipy."""
    if _blas is None:
        return None
    ger: _Ger = _blas.dger if dtype == np.float64 else _blas.sger
    return ger


def _softmax_in_place(z: np.ndarray) -> np.ndarray:
    """ŷ = softmax(z) over the last axis, computed in z's own memory (no second W-array)."""
    z -= z.max(axis=-1, keepdims=True)  # exp overflows above ~709; softmax is shift-invariant
    np.exp(z, out=z)  # the largest term is now exp(0) = 1, so each sum is >= 1
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _matrix_and_vector(U: Any, v_c: Any) -> tuple[np.ndarray, np.ndarray]:
    """The checks of ``_validate.matrix_and_vector`` except U's finiteness, in O(d) time and memory.

    Checking np.isfinite(U) costs a pass over U and a W x d boolean mask, as much as the whole update;
    :func:`_finite_logits` checks U's finiteness through the logits instead, for free.
    """
    well_formed = (
        isinstance(U, np.ndarray) and U.dtype in (np.float32, np.float64) and U.ndim == 2 and U.size > 0
        and isinstance(v_c, np.ndarray) and v_c.dtype == U.dtype and v_c.shape == (U.shape[1],)
        and bool(np.isfinite(v_c).all())
    )
    if not well_formed:
        return _validate.matrix_and_vector(U, v_c)  # raises, naming the argument
    return U, v_c


def _finite_logits(Z: np.ndarray, U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Z = V-rows · U-rows, checked finite; non-finite logits are traced back to U or to overflow.

    With every entry of v_c finite, an inf or NaN in row w of U makes a product u_wj v_j inf or NaN
    (inf · 0 is NaN), and a dot product that adds every term cannot cancel it: z_w is then not
    finite.  So finite logits certify a finite U (tests/test_fast_memory.py checks this on both
    layouts, with zeros in v_c), and the reference's full check runs only when they are not.
    """
    if not np.isfinite(Z).all():
        _validate.float_array("U", U, 2)  # raises, naming U's first non-finite entry
        raise ValueError(
            f"U, {'v_c' if V.ndim == 1 else 'V_c'}: the logits overflow {U.dtype} although both are finite;"
            " scale them down (the gradient is not representable)"
        )
    return Z


def _logits(U: np.ndarray, v_c: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite logits are reported just below
        z = U @ v_c
    return _finite_logits(z, U, v_c)


def _coefficients(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """c = ŷ - y in U's dtype, shape (W,): the row weights of dCE/dU = c v_cᵀ (eq. 22)."""
    c = _softmax_in_place(_logits(U, v_c))
    c[o] -= 1.0  # y is one-hot at o (eq. 24)
    return c


def _rank_one_update(A: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """A += x yᵀ in place, for any 2-D A: BLAS ``ger`` where A's layout allows, else chunks of rows.

    Callers guarantee x and y share no memory with A (BLAS would read them while writing A).
    """
    ger = _ger_for(A.dtype)
    if ger is not None and A.flags.f_contiguous and A.flags.aligned:
        # Fortran order is what BLAS wants: with overwrite_a it updates A itself (no copy is made).
        result = ger(1.0, x, y, a=A, overwrite_a=1)
    elif ger is not None and A.flags.c_contiguous and A.flags.aligned:
        # A C-ordered A is a Fortran-ordered Aᵀ, and A += x yᵀ is Aᵀ += y xᵀ.
        result = ger(1.0, y, x, a=A.T, overwrite_a=1).T
    else:
        rows = max(1, _CHUNK_ENTRIES // A.shape[1])
        for start in range(0, A.shape[0], rows):
            A[start : start + rows] += x[start : start + rows, None] * y
        return
    if not np.may_share_memory(result, A):
        # f2py copies an argument whose layout it dislikes, and would then return the update in that
        # copy; keep the result right (tests/test_fast_memory.py shows this does not happen here).
        A[...] = result


def sgd_step(U: np.ndarray, v_c: np.ndarray, o: int, lr: float) -> np.ndarray:
    """U <- U - lr dCE/dU = U + (-lr (ŷ - y)) v_cᵀ, in place, returning U (eqs. 22-24).

    One BLAS rank-one update (``dger``/``sger`` on Uᵀ, which is Fortran-ordered when U is C-ordered):
    one read of U for the logits and one in-place pass over it.  Extra memory is O(W + d): the
    coefficient vector and, at most, a copy of v_c.  Non-contiguous U is updated in row chunks.
    """
    U, v_c = _matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    lr = _validate.learning_rate(lr)
    if not U.flags.writeable:
        raise ValueError("U: expected a writeable array, since sgd_step updates it in place")
    step = _coefficients(U, v_c, o)
    step *= -lr  # scaling the W coefficients is cheaper than scaling the W x d update
    if np.may_share_memory(v_c, U):
        v_c = v_c.copy()  # v_c may be a row of U: the update must not change it midway (O(d) copy)
    _rank_one_update(U, step, v_c)
    return U


def _check_out(out: Any, U: np.ndarray, v_c: np.ndarray) -> np.ndarray:
    if type(out) is not np.ndarray:
        raise TypeError(f"out: expected a numpy array of shape {U.shape} and dtype {U.dtype}, got "
                        f"{_validate._describe(out)} (allocate it with np.empty_like(U))")
    if out.shape != U.shape:
        raise ValueError(f"out: expected shape {U.shape} to match U, got {out.shape}")
    if out.dtype != U.dtype:
        raise TypeError(f"out: expected dtype {U.dtype} to match U, got {out.dtype}"
                        " (the fast path never changes precision)")
    if not (out.flags.c_contiguous or out.flags.f_contiguous):
        raise ValueError("out: expected a contiguous array (C or Fortran order), got a strided view;"
                         " pass np.empty_like(U)")
    if not out.flags.writeable:
        raise ValueError("out: expected a writeable array")
    if np.may_share_memory(out, U) or np.may_share_memory(out, v_c):
        raise ValueError("out: expected memory separate from U and v_c, since it is written while they are read")
    return out


def grad_U(U: np.ndarray, v_c: np.ndarray, o: int, out: np.ndarray | None = None) -> np.ndarray:
    """dCE/dU = (ŷ - y) v_cᵀ, shape (W, d) (eq. 24); written into ``out`` when it is given.

    Without ``out``: BLAS ``ger`` into np.zeros, whose pages the OS hands over already zero, so the
    W x d array is written once (0 + c_w v_j is exactly c_w v_j, so the result equals np.outer's).
    With ``out`` (contiguous, U's shape and dtype, not overlapping U or v_c): one numpy pass.
    """
    U, v_c = _matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    if out is not None:
        out = _check_out(out, U, v_c)
    c = _coefficients(U, v_c, o)
    if out is not None:
        # ger would need out zeroed first: two passes; this broadcast product is one.
        return np.multiply(c[:, None], v_c, out=out)
    G = np.zeros(U.shape, dtype=U.dtype)
    _rank_one_update(G, c, v_c)
    return G


def grad_v_c(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """dCE/dv_c = Uᵀ (ŷ - y), shape (d,): the logits and this product are the two reads of U."""
    U, v_c = _matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    return U.T @ _coefficients(U, v_c, o)


def loss(U: np.ndarray, v_c: np.ndarray, o: int) -> float:
    """CE = logsumexp(z) - z_o (eq. 1), in float64 as the reference, from one read of U."""
    U, v_c = _matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    z = _logits(U, v_c).astype(np.float64)
    m = z.max()
    # log Σ exp(z) = m + log Σ exp(z - m): never forms ŷ_o, so -log 0 = inf cannot occur
    return float(m + np.log(np.exp(z - m).sum()) - z[o])


def batch_arguments(U: Any, V_c: Any, O: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check U (W, d), V_c (B, d) -- one centre vector per row -- and O, B word indices in [0, W).

    U's finiteness is left to :func:`_batch_logits`, which checks it without a W x d boolean mask.
    """
    if not (isinstance(U, np.ndarray) and U.dtype in (np.float32, np.float64) and U.ndim == 2):
        _validate.float_array("U", U, 2)  # raises; U's finiteness is certified by the logits
    V_c = _validate.float_array("V_c", V_c, 2)
    W, d = U.shape
    if W == 0 or d == 0:
        raise ValueError(f"U: expected at least one word and one dimension, got shape {U.shape}")
    B = V_c.shape[0]
    if B == 0 or V_c.shape[1] != d:
        raise ValueError(f"V_c: expected shape (B, {d}) with B >= 1 to match U of shape {U.shape},"
                         f" got {V_c.shape}")
    if V_c.dtype != U.dtype:
        raise TypeError(f"V_c: expected dtype {U.dtype} to match U, got {V_c.dtype}")
    if not isinstance(O, np.ndarray) or O.dtype.kind not in "iu":
        raise TypeError(f"O: expected a numpy integer array of {B} word indices, got {_validate._describe(O)}"
                        " (build it with np.asarray(indices, dtype=np.intp))")
    if O.shape != (B,):
        raise ValueError(f"O: expected shape ({B},), one word index per row of V_c, got {O.shape}")
    bad = np.flatnonzero((O < 0) | (O >= W))
    if bad.size:
        raise ValueError(f"O: expected 0 <= O[b] < W = {W}, got O[{bad[0]}] = {O[bad[0]]}")
    return U, V_c, O


def _batch_logits(U: np.ndarray, V_c: np.ndarray) -> np.ndarray:
    """The B x W logits V_c Uᵀ, with U certified finite by its sum.

    A finite sum of U's entries certifies every entry finite (an inf or NaN term leaves the sum inf
    or NaN); the full check runs only when the sum is not finite.  One read of U, cheaper than a pass
    over the B x W logits.  Logits that overflow from finite inputs are caught by :func:`_exp_in_place`.
    """
    with np.errstate(invalid="ignore", over="ignore"):  # an overflowing sum only sends us to the full check
        if not np.isfinite(U.sum()):
            _validate.float_array("U", U, 2)  # raises, naming U's first non-finite entry
        return V_c @ U.T


def _exp_in_place(Z: np.ndarray, scaled_rows: np.ndarray | None = None) -> np.ndarray:
    """Z <- exp(Z - shift) row by row, in place, returning the shifts (B, 1): a softmax numerator.

    ``scaled_rows`` (B, d), if given, will be divided by the row sums of the result (grad_U_batch):
    unshifted, a sum near e^m would push its small entries into underflow (a centre vector entry
    of 1e-113 over e^700), so the shift is skipped only where every nonzero entry stays normal.

    Softmax is shift-invariant; shifting by the row max m only keeps exp from overflowing.  A row
    with 0 <= m <= log(max float) - log W needs no shift: each term is at most e^m and the sum at
    most W e^m, both finite; the largest term is >= 1, so the sum is too; and a term that underflows
    (z < -745) would underflow shifted as well (z - m <= z).  Skipping the shift then saves a
    read-modify-write pass over the B x W logits, about a third of the exp pass's cost.
    """
    m = Z.max(axis=1, keepdims=True)
    if not np.isfinite(m).all():  # max propagates NaN, and an overflow to +inf is the max
        raise ValueError("U, V_c: the logits overflow although both are finite; scale them down"
                         " (the gradient is not representable)")
    limit = np.log(np.finfo(Z.dtype).max) - np.log(Z.shape[1]) - 1.0  # 1: margin for exp's rounding
    skip = bool((m >= 0).all() and (m <= limit).all())
    if skip and scaled_rows is not None:
        # row b is divided by at most W e^m_b; its smallest nonzero entry must stay a normal float
        smallest = np.where(scaled_rows != 0, np.abs(scaled_rows), np.inf).min(axis=1, keepdims=True)
        with np.errstate(divide="ignore"):
            skip = bool((np.log(smallest) - m - np.log(Z.shape[1]) >= np.log(np.finfo(Z.dtype).tiny)).all())
    if skip:
        m[...] = 0
    else:
        Z -= m  # exp overflows above ~709 (~88 in float32); softmax is shift-invariant
    np.exp(Z, out=Z)
    return m


def grad_U_batch(U: np.ndarray, V_c: np.ndarray, O: np.ndarray) -> np.ndarray:
    """Σ_b dCE_b/dU = (Ŷ - Y)ᵀ V_c, shape (W, d), for B centre words V_c (B, d) with targets O (B,).

    Row b of Ŷ is softmax(U v_b) and row b of Y is the one-hot e_{O[b]}.  Two matrix products and one
    exp pass over the B x W logits; the normalisation 1/Σ_w exp is applied to the B rows of V_c
    instead of to the B x W probabilities, and -Yᵀ V_c is a scatter of B rows, not a product.
    """
    U, V_c, O = batch_arguments(U, V_c, O)
    E = _batch_logits(U, V_c)
    _exp_in_place(E, scaled_rows=V_c)
    scaled = V_c / E.sum(axis=1, keepdims=True)  # Ŷᵀ V_c = Eᵀ (V_c / s): B x d work, not B x W
    G = E.T @ scaled
    np.subtract.at(G, O, V_c)  # -Yᵀ V_c; .at because a word may be the target of several rows
    return G


def loss_batch(U: np.ndarray, V_c: np.ndarray, O: np.ndarray) -> np.ndarray:
    """The B losses CE_b = logsumexp(U v_b) - (U v_b)_{O[b]} (eq. 1), float64, finite where ŷ underflows."""
    U, V_c, O = batch_arguments(U, V_c, O)
    Z = _batch_logits(U, V_c)
    z_o = Z[np.arange(Z.shape[0]), O].astype(np.float64)
    shift = _exp_in_place(Z)
    # log Σ exp(z) = shift + log Σ exp(z - shift); the sum accumulates in float64 (no float64 copy
    # of Z), as the reference's float64 loss does
    return shift[:, 0].astype(np.float64) + np.log(Z.sum(axis=1, dtype=np.float64)) - z_o
