"""Framing of the messages between the grader (parent) and the submission's process (child).

One frame is::

    b"CEG1" | header length (4 bytes, big-endian) | payload length (8 bytes, big-endian)
    | header: UTF-8 JSON object | payload: the raw bytes of the frame's arrays, back to back

The header names the message (``"kind"``), carries plain JSON fields, and lists the arrays as
``{"name", "dtype", "shape", "nbytes"}`` in payload order.  Arrays cross as raw bytes with a dtype
string from :data:`ARRAY_DTYPES` (real floats and integers only), so the reader never unpickles,
imports or executes anything the writer sent: a hostile child can send wrong numbers, never code.
Every limit is checked before anything is allocated; a frame that breaks one raises
:class:`ProtocolViolation`.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from properties.implementation import ImplementationFatal

MAGIC = b"CEG1"
_PREFIX = struct.Struct(">4sIQ")

#: Largest frame (header + payload) either side accepts; a gradient of 256 MiB is far beyond any
#: case the laws draw, so a bigger frame can only be an attack or a bug.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
#: Largest JSON header; headers carry names, shapes and short texts (tracebacks are capped below).
MAX_HEADER_BYTES = 1024 * 1024
#: Longest text field (messages, tracebacks) the child sends; longer ones are cut by the child.
MAX_TEXT_CHARS = 8 * 1024
_MAX_NDIM = 32
_MAX_ARRAYS = 16

#: dtype strings an array may cross with: real floats (including long double) and integers, both
#: byte orders.  Anything else (object, void, complex, strings, datetimes) is refused.
_ARRAY_TYPES = (
    np.float16,
    np.float32,
    np.float64,
    np.longdouble,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
)
ARRAY_DTYPES = frozenset(np.dtype(t).newbyteorder("<").str for t in _ARRAY_TYPES) | frozenset(
    np.dtype(t).newbyteorder(">").str for t in _ARRAY_TYPES
)

ERR_MAGIC = "not a cegrad frame (bad magic {got!r}): something other than the grader wrote to the channel"
ERR_TOO_BIG = "frame of {size} bytes exceeds the limit of {limit} bytes"
ERR_EOF = "the channel closed in the middle of a frame"
ERR_HEADER = "malformed frame header: {why}"
ERR_DTYPE = "array {name!r} has dtype {dtype!r}, which is not a whitelisted real float or integer dtype"
ERR_NBYTES = "array {name!r}: shape {shape} with itemsize {itemsize} needs {need} bytes, header says {nbytes}"
ERR_PAYLOAD = "payload is {got} bytes but the arrays need {need}"


class SandboxFatal(ImplementationFatal):
    """The child can no longer be trusted to answer; it is killed and the next call gets a fresh one.

    A ``BaseException`` (through :class:`ImplementationFatal`) on purpose: Hypothesis lets it
    propagate at once instead of shrinking, and re-running a submission that hangs or dies would
    only multiply the damage.
    """


class ProtocolViolation(SandboxFatal):
    """A frame broke the protocol: a hostile or broken child, never a student's wrong answer."""


@dataclass
class Message:
    """One decoded frame: its kind, its JSON fields and its arrays (fresh, writable, owned)."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def encode(kind: str, fields: dict[str, Any] | None = None, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """One frame for ``kind``; ``arrays`` must be exact ndarrays of an :data:`ARRAY_DTYPES` dtype."""
    specs = []
    chunks = []
    for name, array in (arrays or {}).items():
        if array.dtype.str not in ARRAY_DTYPES:
            raise ValueError(ERR_DTYPE.format(name=name, dtype=array.dtype.str))
        data = np.ascontiguousarray(array).tobytes()
        specs.append({"name": name, "dtype": array.dtype.str, "shape": list(array.shape), "nbytes": len(data)})
        chunks.append(data)
    header = json.dumps({"kind": kind, "fields": fields or {}, "arrays": specs}, allow_nan=False).encode()
    payload = b"".join(chunks)
    if len(header) > MAX_HEADER_BYTES or len(header) + len(payload) > MAX_MESSAGE_BYTES:
        raise ValueError(ERR_TOO_BIG.format(size=len(header) + len(payload), limit=MAX_MESSAGE_BYTES))
    return _PREFIX.pack(MAGIC, len(header), len(payload)) + header + payload


def write_message(fd: int, kind: str, fields: dict[str, Any] | None = None, arrays: dict[str, np.ndarray] | None = None) -> None:
    """Write one whole frame to the file descriptor ``fd`` (blocking)."""
    view = memoryview(encode(kind, fields, arrays))
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _reject_constant(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token}")


def output_limit(input_bytes: int) -> int:
    """The largest output array a reply to a call with ``input_bytes`` of input arrays may carry: an
    output is shaped like one of the inputs (a scalar at least), in a dtype at most twice as wide
    (long double), so anything bigger has the wrong shape and is sent back only as "unusable"."""
    return 2 * input_bytes + 4096


def reply_limit(input_bytes: int) -> int:
    """The largest reply to such a call: the header, the inputs sent back after the call and up to
    four outputs.  The parent reads no more, so a child cannot make it hold hundreds of MiB per call
    (and keep them, in the failures a report records) while its own address space is limited."""
    return MAX_HEADER_BYTES + input_bytes + 4 * output_limit(input_bytes)


def parse_prefix(prefix: bytes, limit: int = MAX_MESSAGE_BYTES) -> tuple[int, int]:
    """(header length, payload length) from a frame's fixed-size prefix, checked against the limits."""
    magic, header_len, payload_len = _PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolViolation(ERR_MAGIC.format(got=magic))
    limit = min(limit, MAX_MESSAGE_BYTES)
    if header_len > MAX_HEADER_BYTES or header_len + payload_len > limit:
        raise ProtocolViolation(ERR_TOO_BIG.format(size=header_len + payload_len, limit=limit))
    return header_len, payload_len


def decode(header_bytes: bytes, payload: bytes) -> Message:
    """Validate a frame's header and rebuild its arrays from the payload as plain data."""
    try:
        header = json.loads(header_bytes.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolViolation(ERR_HEADER.format(why=f"not JSON ({exc})")) from None
    if type(header) is not dict or set(header) != {"kind", "fields", "arrays"}:
        raise ProtocolViolation(ERR_HEADER.format(why="expected an object with kind, fields, arrays"))
    kind, fields, specs = header["kind"], header["fields"], header["arrays"]
    if type(kind) is not str or type(fields) is not dict or type(specs) is not list:
        raise ProtocolViolation(ERR_HEADER.format(why="kind must be a string, fields an object, arrays a list"))
    if len(specs) > _MAX_ARRAYS:
        raise ProtocolViolation(ERR_HEADER.format(why=f"{len(specs)} arrays (at most {_MAX_ARRAYS})"))
    arrays: dict[str, np.ndarray] = {}
    offset = 0
    for spec in specs:
        name, dtype, shape = _check_spec(spec)
        end = offset + spec["nbytes"]
        if end > len(payload):
            raise ProtocolViolation(ERR_PAYLOAD.format(got=len(payload), need=end))
        # frombuffer + copy: plain bytes in, an owned writable ndarray out; no pickle anywhere.
        flat = np.frombuffer(payload, dtype=dtype, count=math.prod(shape), offset=offset)
        arrays[name] = flat.reshape(shape).copy()
        offset = end
    if offset != len(payload):
        raise ProtocolViolation(ERR_PAYLOAD.format(got=len(payload), need=offset))
    return Message(kind, fields, arrays)


def _check_spec(spec: Any) -> tuple[str, np.dtype[Any], tuple[int, ...]]:
    if type(spec) is not dict or set(spec) != {"name", "dtype", "shape", "nbytes"}:
        raise ProtocolViolation(ERR_HEADER.format(why="an array spec needs exactly name, dtype, shape, nbytes"))
    name, dtype_str, shape, nbytes = spec["name"], spec["dtype"], spec["shape"], spec["nbytes"]
    if type(name) is not str or type(dtype_str) is not str or type(nbytes) is not int or nbytes < 0:
        raise ProtocolViolation(ERR_HEADER.format(why="bad types in an array spec"))
    if dtype_str not in ARRAY_DTYPES:
        raise ProtocolViolation(ERR_DTYPE.format(name=name, dtype=dtype_str))
    if type(shape) is not list or len(shape) > _MAX_NDIM or any(type(n) is not int or n < 0 for n in shape):
        raise ProtocolViolation(ERR_HEADER.format(why=f"array {name!r}: bad shape {shape!r}"))
    dtype = np.dtype(dtype_str)
    # Python ints: the product cannot overflow, so a huge shape cannot sneak past the size check.
    need = math.prod(shape) * dtype.itemsize
    if need != nbytes:
        raise ProtocolViolation(
            ERR_NBYTES.format(name=name, shape=tuple(shape), itemsize=dtype.itemsize, need=need, nbytes=nbytes)
        )
    return name, dtype, tuple(shape)


def read_message(fd: int) -> Message | None:
    """Read one frame from ``fd``, blocking; ``None`` on a clean end of file before a frame starts."""
    prefix = _read_exactly(fd, _PREFIX.size, eof_ok=True)
    if prefix is None:
        return None
    header_len, payload_len = parse_prefix(prefix)
    header = _read_exactly(fd, header_len) or b""
    payload = _read_exactly(fd, payload_len) or b""
    return decode(header, payload)


def _read_exactly(fd: int, size: int, eof_ok: bool = False) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        chunk = os.read(fd, min(size - len(buf), 1 << 20))
        if not chunk:
            if eof_ok and not buf:
                return None
            raise ProtocolViolation(ERR_EOF)
        buf += chunk
    return bytes(buf)


class FrameReader:
    """Incremental, deadline-aware reader of frames from a non-blocking pipe (the parent's side).

    ``feed`` takes whatever bytes arrived; ``next_message`` returns a whole message once one is
    complete.  Limits are checked on the prefix, before the body is buffered.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._need: tuple[int, int] | None = None
        #: the largest frame the next message may be (the parent lowers it to a call's reply_limit)
        self.limit = MAX_MESSAGE_BYTES

    def feed(self, data: bytes) -> None:
        self._buf += data
        if self._need is None and len(self._buf) >= _PREFIX.size:
            self._need = parse_prefix(bytes(self._buf[: _PREFIX.size]), self.limit)

    @property
    def mid_frame(self) -> bool:
        return bool(self._buf)

    def next_message(self) -> Message | None:
        if self._need is None:
            return None
        header_len, payload_len = self._need
        end = _PREFIX.size + header_len + payload_len
        if len(self._buf) < end:
            return None
        frame = bytes(self._buf[:end])
        del self._buf[:end]
        self._need = None
        self.feed(b"")
        return decode(frame[_PREFIX.size : _PREFIX.size + header_len], frame[_PREFIX.size + header_len :])


def wait_readable(fds: list[int], deadline: float) -> list[int]:
    """The fds among ``fds`` that are readable before ``deadline`` (``time.monotonic`` seconds)."""
    remaining_ms = max(0, int((deadline - time.monotonic()) * 1000) + 1)
    poller = select.poll()  # not select.select: fds above 1024 are legal in a long test session
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return [fd for fd, _ in poller.poll(remaining_ms)]


def wait_ready(write_fd: int, read_fds: list[int], deadline: float) -> bool:
    """Wait until ``write_fd`` can take more bytes or one of ``read_fds`` has some, or ``deadline``."""
    remaining_ms = max(0, int((deadline - time.monotonic()) * 1000) + 1)
    poller = select.poll()
    poller.register(write_fd, select.POLLOUT)
    for fd in read_fds:
        poller.register(fd, select.POLLIN)
    return bool(poller.poll(remaining_ms))
