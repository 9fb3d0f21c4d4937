"""The sandbox: a student submission run in a child process, behind layers of its own.

:mod:`.parent` (the grader's side: :class:`~.parent.SandboxedImplementation`, :class:`~.parent.Limits`,
:class:`~.parent.LoadFailed`), :mod:`.child` (the child's entry point, ``python -s -P -m
properties.grader.sandbox.child``), :mod:`.audit` (the audit hook and its guards), :mod:`.protocol`
(the frames between the two) and ``shims/`` (course helpers supplied to submissions).

This package imports nothing on purpose: the child imports it first, before it hides ``ctypes``
from numpy, so anything imported here would run too early.
"""
