"""The operating system's layers under the audit hook, set up by the child before any submission code.

The audit hook (:mod:`.audit`) refuses what Python announces; these layers hold where Python
announces nothing (C code in the stdlib, numpy, scipy, ctypes).  :func:`setup` runs them in this
order, each a small function that returns one status line, ``"active: ..."`` or
``"skipped: <reason>"``; a layer the kernel refuses is skipped, never a crash:

1. namespaces (unshare(2)): network (a new one has only a loopback, down), IPC, UTS, and mount, in
   which a size-limited tmpfs owned by the sandbox's uid becomes the scratch folder (the quota);
2. no root: a root child drops to an unprivileged uid/gid, with no supplementary groups, checks
   that ``setuid(0)`` then fails, and sets RLIMIT_NPROC (a few tasks: threads, not a fork bomb);
3. Landlock: writes only beneath scratch; reads only beneath the Python installation,
   site-packages, the shims and scratch; no TCP bind/connect; no signals or abstract unix sockets
   out of the sandbox (as far as the kernel's Landlock ABI goes);
4. no_new_privs and a seccomp filter: no exec, no new processes (threads only), no sockets, no
   device or fifo nodes, no ptrace, mount, namespaces, kexec, bpf, perf, keyrings, io_uring,
   pidfds, no signals or priority changes aimed at other processes.  Refusals are EPERM (ENOSYS
   for clone3, so glibc falls back to clone, whose flags the filter can read), so the submission
   sees an ordinary ``PermissionError`` instead of dying.

Why a hand-built classic BPF program and not libseccomp: the filter is about sixty instructions,
and building it here needs nothing but ctypes, so it works wherever the kernel does (a fresh
Gradescope image need not have libseccomp installed; pyseccomp, the PyPI binding, has had no
release since 2021).  The syscall numbers are those of ``asm/unistd_64.h`` (x86_64) and
``asm-generic/unistd.h`` (aarch64); any other architecture skips the layer, and a syscall of a
different ABI (i386 or x32 on an x86_64 kernel) is refused outright.

The layer names in :data:`LAYERS` also select simulated refusals: the parent passes the names in
``CEGRAD_SANDBOX_REFUSE`` (comma-separated) and the layer's first system call then fails with
EPERM, as a kernel that refuses it would, so tests can show each layer degrading.
"""

from __future__ import annotations

import errno
import os
import resource
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: Layer names, in the order of :func:`setup` (also the names of simulated refusals).
LAYERS = ("network", "ipc", "uts", "mount", "pid", "no-root", "landlock", "seccomp")
LABELS = {
    "network": "network namespace",
    "ipc": "IPC namespace",
    "uts": "UTS namespace",
    "mount": "mount namespace + scratch quota",
    "pid": "PID namespace",
    "no-root": "no root",
    "landlock": "Landlock",
    "seccomp": "seccomp",
}
REFUSE_ENV = "CEGRAD_SANDBOX_REFUSE"
#: Name of a dedicated unprivileged user an administrator may create for the sandbox.
SANDBOX_USER = "cegrad-sandbox"
#: Fresh uids are UID_BASE + the child's pid: unique among live processes, far above any real
#: account, below 2**31 and clear of the usual subordinate-uid ranges (100000 + 65536 n).
UID_BASE = 1_500_000_000
#: RLIMIT_NPROC (tasks, threads included) for a fresh uid, and for the dedicated user that all
#: concurrent children share.
NPROC_FRESH, NPROC_SHARED = 16, 256

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC, _CLONE_NEWNET = 0x00020000, 0x04000000, 0x08000000, 0x40000000
_CLONE_THREAD = 0x00010000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x1000, 0x4000, 0x40000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1


def active(detail: str) -> str:
    return f"active: {detail}"


def skipped(reason: str) -> str:
    return f"skipped: {reason}"


class _Refused(OSError):
    """A simulated refusal (see :data:`REFUSE_ENV`)."""


def _libc() -> Any:
    # Imported here, not at module level: the child hides ctypes from numpy and forgets it before
    # the submission runs, so no module global of ours may hold it.
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _check(result: int, what: str) -> int:
    if result < 0:
        import ctypes

        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


def _reason(exc: OSError) -> str:
    if isinstance(exc, _Refused):
        return f"refused (simulated through {REFUSE_ENV})"
    name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    hint = " (needs CAP_SYS_ADMIN; containers usually withhold it)" if exc.errno == errno.EPERM else ""
    return f"the kernel refused it: {exc.strerror or exc} [{name}]{hint}"


@dataclass
class Plan:
    """What the layers need to know, decided by the trusted child before they go up."""

    scratch: str
    scratch_bytes: int
    read_dirs: Sequence[str]  # Landlock: readable (and executable) beneath these
    refuse: frozenset[str] = frozenset()
    uid: int | None = None  # set by the no-root layer when it drops privileges
    gid: int | None = None

    def refused(self, layer: str) -> None:
        if layer in self.refuse:
            raise _Refused(errno.EPERM, "simulated refusal")


# ------------------------------------------------------------------------------- namespaces


def _unshare(plan: Plan, layer: str, flag: int) -> None:
    plan.refused(layer)
    _check(_libc().unshare(flag), "unshare")


def network(plan: Plan) -> str:
    try:
        _unshare(plan, "network", _CLONE_NEWNET)
    except OSError as exc:
        return skipped(_reason(exc))
    return active("a new network namespace: no interface but a loopback that is down")


def ipc(plan: Plan) -> str:
    try:
        _unshare(plan, "ipc", _CLONE_NEWIPC)
    except OSError as exc:
        return skipped(_reason(exc))
    return active("a new IPC namespace: no shared memory, semaphores or message queues of others")


def uts(plan: Plan) -> str:
    try:
        _unshare(plan, "uts", _CLONE_NEWUTS)
    except OSError as exc:
        return skipped(_reason(exc))
    return active("a new UTS namespace: a hostname change stays inside")


def identity() -> tuple[int, int, str]:
    """(uid, gid, description) the child drops to: the dedicated user, else a fresh pair."""
    import pwd

    try:
        entry = pwd.getpwnam(SANDBOX_USER)
        return entry.pw_uid, entry.pw_gid, f"the dedicated user {SANDBOX_USER}"
    except KeyError:
        uid = UID_BASE + os.getpid()
        return uid, uid, "a fresh unused uid/gid unique to this child (so children cannot signal each other)"


def mount_scratch(plan: Plan, owner: tuple[int, int] | None) -> str:
    """A private mount namespace with a tmpfs of ``plan.scratch_bytes`` mounted on scratch."""
    fallback = "; scratch is limited per file by RLIMIT_FSIZE only"
    try:
        _unshare(plan, "mount", _CLONE_NEWNS)
    except OSError as exc:
        return skipped(_reason(exc) + fallback)
    libc = _libc()
    try:
        # Private first: on a host whose / is shared, the tmpfs would otherwise appear outside.
        _check(libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
        options = f"size={plan.scratch_bytes},nr_inodes=16384,mode=0700"
        if owner is not None:
            options += f",uid={owner[0]},gid={owner[1]}"
        _check(
            libc.mount(b"cegrad-scratch", os.fsencode(plan.scratch), b"tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                       options.encode()),
            "mount tmpfs",
        )  # fmt: skip
    except OSError as exc:
        return skipped(f"a new mount namespace, but {_reason(exc)}{fallback}")
    os.chdir(plan.scratch)  # the old cwd is the folder beneath the new mount
    mib = plan.scratch_bytes / (1 << 20)
    detail = f"a private mount namespace; scratch is a {mib:g} MiB tmpfs (nosuid, nodev, noexec)"
    if owner is not None:
        try:
            shown = expose_installation(libc)
        except OSError as exc:
            shown = f"; the Python installation stays out of the sandbox uid's reach ({exc.strerror or exc})"
        detail += shown
    return active(detail)


def _closed_ancestor(path: str) -> str | None:
    """The outermost folder above ``path`` that other users may not enter (such as /root), if any."""
    parts = path.strip("/").split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:depth])
        if not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def expose_installation(libc: Any) -> str:
    """Where the Python installation lies beneath a folder others may not enter (pyenv under /root),
    put an empty tmpfs on that folder and bind the installation back in: the dropped uid can then
    import lazily loaded standard-library modules as on any machine, and sees nothing else of it.
    In the child's mount namespace only; nothing on the host changes.  Returns a note ("" if none)."""
    prefixes = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)})
    closed: dict[str, list[tuple[str, int]]] = {}
    for prefix in prefixes:
        folder = _closed_ancestor(prefix)
        if folder is not None:
            closed.setdefault(folder, []).append((prefix, os.open(prefix, _O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)))
    try:
        for folder, inside in closed.items():
            _check(libc.mount(b"cegrad-hide", os.fsencode(folder), b"tmpfs", _MS_NOSUID | _MS_NODEV,
                              b"mode=0755,size=1m"), f"mount tmpfs on {folder}")  # fmt: skip
            for prefix, fd in inside:
                os.makedirs(prefix, exist_ok=True)
                _check(libc.mount(f"/proc/self/fd/{fd}".encode(), os.fsencode(prefix), None, _MS_BIND | _MS_REC, None),
                       f"bind {prefix}")  # fmt: skip
    finally:
        for inside in closed.values():
            for _, fd in inside:
                os.close(fd)
    if not closed:
        return ""
    return "; " + ", ".join(f"{folder} is an empty tmpfs holding only {', '.join(p for p, _ in inside)}"
                            for folder, inside in closed.items())  # fmt: skip


def pid_namespace(plan: Plan) -> str:
    return skipped(
        "not set up (the child would need a second process to become pid 1 of one, and a pid 1 ignores "
        "the CPU and file-size limit signals); seccomp allows no new processes (RLIMIT_NPROC bounds them "
        "where it is missing), and the unique uid and Landlock keep the child from seeing or signalling others"
    )


# ------------------------------------------------------------------------------- no root


def drop_root(plan: Plan, who: tuple[int, int, str] | None) -> str:
    if who is None:
        return skipped(f"the grader does not run as root, so the child keeps uid {os.getuid()}")
    uid, gid, description = who
    try:
        plan.refused("no-root")
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        return skipped(_reason(exc) + "; the child still runs as root")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:  # never run a submission as root by mistake
        raise SystemExit("cegrad sandbox: setuid(0) succeeded after dropping privileges")
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise SystemExit("cegrad sandbox: the privilege drop did not take")
    # Counts every task of the uid: threads still work, a fork bomb (where seccomp is missing) stops
    # at a few, and the parent kills every process of a fresh uid at the end.
    tasks = NPROC_FRESH if uid == UID_BASE + os.getpid() else NPROC_SHARED
    resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))
    plan.uid, plan.gid = uid, gid
    return active(f"runs as {description}, with no supplementary groups; setuid(0) fails; RLIMIT_NPROC {tasks}")


# ------------------------------------------------------------------------------- Landlock

_LL_EXECUTE, _LL_WRITE_FILE, _LL_READ_FILE, _LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_LL_REMOVE_DIR, _LL_REMOVE_FILE, _LL_MAKE_CHAR, _LL_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
_LL_MAKE_REG, _LL_MAKE_SOCK, _LL_MAKE_FIFO, _LL_MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
_LL_MAKE_SYM, _LL_REFER, _LL_TRUNCATE, _LL_IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
_LL_NET_BIND_TCP, _LL_NET_CONNECT_TCP = 1 << 0, 1 << 1
_LL_SCOPE_ABSTRACT_UNIX_SOCKET, _LL_SCOPE_SIGNAL = 1 << 0, 1 << 1
_LL_CREATE_RULESET_VERSION, _LL_RULE_PATH_BENEATH = 1, 1
_NR_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_O_PATH = getattr(os, "O_PATH", 0o10000000)


def _landlock_fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: execute .. make_sym
    if abi >= 2:
        rights |= _LL_REFER
    if abi >= 3:
        rights |= _LL_TRUNCATE
    if abi >= 5:
        rights |= _LL_IOCTL_DEV
    return rights


def open_landlock_paths(plan: Plan) -> list[tuple[int, int]]:
    """O_PATH descriptors of the allowed folders with their rights, opened while the child may
    still traverse to them (before the drop, a root-only home like /root is still passable)."""
    read = _LL_EXECUTE | _LL_READ_FILE | _LL_READ_DIR
    write = (read | _LL_WRITE_FILE | _LL_REMOVE_DIR | _LL_REMOVE_FILE | _LL_MAKE_DIR | _LL_MAKE_REG | _LL_MAKE_SYM
             | _LL_REFER | _LL_TRUNCATE)  # fmt: skip
    paths = [(plan.scratch, write), *((d, read) for d in plan.read_dirs if d != plan.scratch)]
    # The device names may be listed; the harmless devices (as the audit hook allows) opened.
    paths += [("/dev", _LL_READ_DIR), ("/dev/pts", _LL_READ_DIR)]
    paths += [(f"/dev/{name}", _LL_READ_FILE | _LL_WRITE_FILE) for name in ("null", "zero", "full", "random", "urandom")]
    opened = []
    for path, rights in paths:
        try:
            opened.append((os.open(path, _O_PATH | os.O_CLOEXEC), rights))
        except OSError:
            continue  # a folder that does not exist needs no rule
    return opened


def landlock(plan: Plan, opened: list[tuple[int, int]]) -> str:
    import ctypes

    machine = os.uname().machine
    numbers = _NR_LANDLOCK.get(machine)
    try:
        if numbers is None:
            return skipped(f"no Landlock system call numbers known for {machine}")
        create, add_rule, restrict = numbers
        plan.refused("landlock")
        libc = _libc()
        abi = libc.syscall(create, None, ctypes.c_size_t(0), ctypes.c_uint32(_LL_CREATE_RULESET_VERSION))
        if abi < 0:
            code = ctypes.get_errno()
            return skipped(f"Landlock is not available in this kernel ({os.strerror(code)})")

        class RulesetAttr(ctypes.Structure):
            _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

        class PathBeneath(ctypes.Structure):
            _pack_ = 1
            _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

        handled = _landlock_fs_rights(abi)
        attr = RulesetAttr(handled, 0, 0)
        size = 8
        extras = []
        if abi >= 4:
            attr.net, size = _LL_NET_BIND_TCP | _LL_NET_CONNECT_TCP, 16
            extras.append("no TCP bind or connect")
        if abi >= 6:
            attr.scoped, size = _LL_SCOPE_ABSTRACT_UNIX_SOCKET | _LL_SCOPE_SIGNAL, 24
            extras.append("no signals or abstract unix sockets out of the sandbox")
        ruleset = _check(libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
                         "landlock_create_ruleset")  # fmt: skip
        try:
            for fd, rights in opened:
                rule = PathBeneath(rights & handled, fd)
                _check(libc.syscall(add_rule, ruleset, _LL_RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)),
                       "landlock_add_rule")  # fmt: skip
            _no_new_privs(libc)
            _check(libc.syscall(restrict, ruleset, ctypes.c_uint32(0)), "landlock_restrict_self")
        finally:
            os.close(ruleset)
    except OSError as exc:
        return skipped(_reason(exc))
    finally:
        for fd, _ in opened:
            os.close(fd)
    reads = "reads only beneath the Python installation, site-packages, the shims and scratch (and /dev/null, ...)"
    detail = ", ".join(["writes only beneath scratch", reads, *extras])
    return active(f"ABI {abi}: {detail}")


def _no_new_privs(libc: Any) -> None:
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


# ------------------------------------------------------------------------------- seccomp

#: seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_OFF_NR, _OFF_ARCH, _OFF_ARGS = 0, 4, 16
_BPF_LD_W_ABS, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_X32_BIT = 0x40000000

# fmt: off
_DENIED_NAMES = (
    "execve", "execveat", "fork", "vfork", "socket", "socketpair", "mknod", "mknodat", "ptrace",
    "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "unshare", "setns", "chroot",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "kexec_load",
    "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf", "perf_event_open", "keyctl",
    "add_key", "request_key", "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at", "kcmp", "process_madvise",
    "process_mrelease", "move_pages", "migrate_pages", "iopl", "ioperm", "reboot", "swapon", "swapoff",
    "acct", "quotactl",
    # Landlock has no right for extended attributes or timestamps: a world-writable file outside
    # scratch would take both (seen from outside in the attack tests).
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "utime", "utimes",
    "futimesat", "utimensat",
)
# fmt: on
#: Syscalls whose first argument names a process: allowed only for the child itself.
_OWN_PID_NAMES = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")

_SYSCALLS = {
    "x86_64": (0xC000003E, {
        "execve": 59, "execveat": 322, "fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "socket": 41,
        "socketpair": 53, "mknod": 133, "mknodat": 259, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "mount": 165, "umount2": 166, "pivot_root": 155, "unshare": 272, "setns": 308,
        "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "kexec_load": 246, "kexec_file_load": 320, "init_module": 175,
        "finit_module": 313, "delete_module": 176, "bpf": 321, "perf_event_open": 298, "keyctl": 250,
        "add_key": 248, "request_key": 249, "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438,
        "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_by_handle_at": 304, "kcmp": 312, "process_madvise": 440, "process_mrelease": 448,
        "move_pages": 279, "migrate_pages": 256, "iopl": 172, "ioperm": 173, "reboot": 169, "swapon": 167,
        "swapoff": 168, "acct": 163, "quotactl": 179, "setpriority": 141, "kill": 62, "tkill": 200,
        "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297, "seccomp": 317,
        "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197, "lremovexattr": 198,
        "fremovexattr": 199, "utime": 132, "utimes": 235, "futimesat": 261, "utimensat": 280,
    }),
    "aarch64": (0xC00000B7, {
        "execve": 221, "execveat": 281, "clone": 220, "clone3": 435, "socket": 198, "socketpair": 199,
        "mknodat": 33, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "mount": 40,
        "umount2": 39, "pivot_root": 41, "unshare": 97, "setns": 268, "chroot": 51, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "kexec_load": 104, "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
        "bpf": 280, "perf_event_open": 241, "keyctl": 219, "add_key": 217, "request_key": 218,
        "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_by_handle_at": 265,
        "kcmp": 272, "process_madvise": 440, "process_mrelease": 448, "move_pages": 239, "migrate_pages": 238,
        "reboot": 142, "swapon": 224, "swapoff": 225, "acct": 89, "quotactl": 60, "setpriority": 140,
        "kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240,
        "seccomp": 277, "setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14, "lremovexattr": 15,
        "fremovexattr": 16, "utimensat": 88,
    }),
}  # fmt: skip


def seccomp_program(machine: str, pid: int) -> list[tuple[int, int, int, int]]:
    """The classic BPF filter as (code, jt, jf, k) for ``machine``; ``pid`` is the child's own."""
    arch, nr = _SYSCALLS[machine]
    program: list[tuple[int, Any, Any, int]] = []
    labels: dict[str, int] = {}

    def ld(offset: int) -> None:
        program.append((_BPF_LD_W_ABS, 0, 0, offset))

    def jump(op: int, k: int, true: str | int = 0, false: str | int = 0) -> None:
        program.append((op, true, false, k))

    def ret(value: int) -> None:
        program.append((_BPF_RET, 0, 0, value))

    def label(name: str) -> None:
        labels[name] = len(program)

    ld(_OFF_ARCH)
    jump(_BPF_JEQ, arch, 0, "deny")  # another ABI (i386 on x86_64) has other numbers: refuse it
    ld(_OFF_NR)
    if machine == "x86_64":
        jump(_BPF_JGE, _X32_BIT, "deny", 0)  # x32 syscalls share the arch value
    for name in _DENIED_NAMES:
        if name in nr:
            jump(_BPF_JEQ, nr[name], "deny", 0)
    jump(_BPF_JEQ, nr["clone"], "clone", 0)
    jump(_BPF_JEQ, nr["clone3"], "enosys", 0)  # its flags are in memory the filter cannot read
    jump(_BPF_JEQ, nr["setpriority"], "own_who", 0)
    for name in _OWN_PID_NAMES:
        jump(_BPF_JEQ, nr[name], "own_pid", 0)
    ret(_RET_ALLOW)
    label("clone")
    ld(_OFF_ARGS)  # flags, low word
    jump(_BPF_JSET, _CLONE_THREAD, "allow", "deny")  # a thread, not a process
    label("own_who")
    ld(_OFF_ARGS + 8)  # who: 0 is the caller itself
    jump(_BPF_JEQ, 0, "allow", "deny")
    label("own_pid")
    ld(_OFF_ARGS)
    jump(_BPF_JEQ, pid, "allow", 0)
    jump(_BPF_JEQ, 0, "allow", 0)  # kill(0, ...): the child's own process group
    jump(_BPF_JEQ, -pid & 0xFFFFFFFF, "allow", "deny")  # its group by number (it leads a session)
    label("allow")
    ret(_RET_ALLOW)
    label("deny")
    ret(_RET_ERRNO | errno.EPERM)
    label("enosys")
    ret(_RET_ERRNO | errno.ENOSYS)

    resolved = []
    for index, (code, jt, jf, k) in enumerate(program):
        offsets = [labels[t] - index - 1 if isinstance(t, str) else t for t in (jt, jf)]
        if not all(0 <= o <= 255 for o in offsets):
            raise AssertionError(f"seccomp: jump out of range at {index}")
        resolved.append((code, offsets[0], offsets[1], k))
    return resolved


def seccomp(plan: Plan) -> str:
    import ctypes

    machine = os.uname().machine
    if machine not in _SYSCALLS:
        return skipped(f"no syscall table known for {machine}")
    program = seccomp_program(machine, os.getpid())

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]

    filters = (SockFilter * len(program))(*(SockFilter(*i) for i in program))
    prog = SockFprog(len(program), filters)
    try:
        plan.refused("seccomp")
        libc = _libc()
        _no_new_privs(libc)
        seccomp_nr = _SYSCALLS[machine][1]["seccomp"]
        # TSYNC: every thread of the process gets the filter, not only this one.
        result = libc.syscall(seccomp_nr, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(prog))
        if result != 0:
            _check(libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), "prctl(PR_SET_SECCOMP)")
    except OSError as exc:
        return skipped(_reason(exc))
    return active(
        f"no_new_privs and a {len(program)}-instruction filter: no exec, no new processes (threads only), "
        "no sockets, no device or fifo nodes, no ptrace, mount, namespaces, kexec, bpf, perf, keyrings, "
        "io_uring or pidfds, no extended attributes or timestamps set, no signals or priority changes aimed "
        "at other processes (EPERM)"
    )


# ------------------------------------------------------------------------------- all of them


def setup(plan: Plan) -> list[tuple[str, str]]:
    """Raise every layer, in order; (layer name, status line) for each."""
    root = os.geteuid() == 0
    who = identity() if root else None
    owner = (who[0], who[1]) if who else None
    statuses: list[tuple[str, str]] = []
    steps: list[tuple[str, Callable[[], str]]] = [
        ("network", lambda: network(plan)),
        ("ipc", lambda: ipc(plan)),
        ("uts", lambda: uts(plan)),
        ("mount", lambda: mount_scratch(plan, owner)),
        ("pid", lambda: pid_namespace(plan)),
    ]
    for name, step in steps:
        statuses.append((name, step()))
    if owner is not None and not statuses[3][1].startswith("active"):
        # No tmpfs: the folder the parent made (root's, mode 0700) must become the sandbox's own.
        os.chown(plan.scratch, *owner)
    opened = open_landlock_paths(plan)
    statuses.append(("no-root", drop_root(plan, who)))
    statuses.append(("landlock", landlock(plan, opened)))
    statuses.append(("seccomp", seccomp(plan)))
    return statuses


def describe(statuses: Sequence[tuple[str, str]] | Sequence[Sequence[str]]) -> list[str]:
    """One note per layer: ``"sandbox layer <label>: <status>"``."""
    return [f"sandbox layer {LABELS.get(name, name)}: {status}" for name, status in statuses]


def read_dirs(shim_dir: str) -> list[str]:
    """The folders a sandboxed child may read: the Python installation, site-packages, the shims."""
    import site

    # The standard library lies beneath the base prefix, site-packages beneath the (venv) prefix.
    dirs = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    dirs.update(os.path.realpath(p) for p in site.getsitepackages())
    dirs.add(os.path.realpath(shim_dir))
    return sorted(dirs)
