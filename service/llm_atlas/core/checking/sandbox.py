"""Take away a process's access to the network, so no text it reads can make it fetch anything.

The engine evaluates client queries and the checker workers parse and reason over client
documents; Oxigraph fetches `SERVICE` and `LOAD` targets, rdflib and owlready2 fetch remote
documents. The query guard refuses such requests politely, but a text filter can be fooled.
This module is the wall behind it: a seccomp filter, installed by the process on itself before
it reads any client input, under which `socket()` fails with EACCES for every address family
but AF_UNIX (the engine's own channel to the server). The filter is inherited by every thread
and child process (HermiT's JVM included) and cannot be removed.

Linux only (x86-64 and AArch64); elsewhere `deny_network` raises `SandboxUnavailable` and the
caller says so at start-up.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys

from llm_atlas.errors import SandboxUnavailable

# <linux/audit.h>, <asm/unistd.h>: the architecture tag seccomp reports and the syscall numbers
_ARCHES = {
    "x86_64": {"audit": 0xC000003E, "socket": 41, "socketpair": 53, "io_uring_setup": 425,
               "seccomp": 317},
    "aarch64": {"audit": 0xC00000B7, "socket": 198, "socketpair": 199, "io_uring_setup": 425,
                "seccomp": 277},
}
_X32_BIT = 0x40000000  # x86-64's x32 ABI marks its syscall numbers with this bit

# <linux/filter.h>: classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
# <linux/seccomp.h>
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_SET_MODE_FILTER = 1
_FILTER_FLAG_TSYNC = 1
_PR_SET_NO_NEW_PRIVS = 38
# struct seccomp_data: nr at 0, arch at 4, args[0] at 16 (its low 32 bits on these targets)
_NR, _ARCH, _ARG0 = 0, 4, 16
_AF_UNIX = 1


def _instruction(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def network_filter(arch: dict[str, int]) -> bytes:
    """The BPF program: refuse non-local sockets and io_uring, allow everything else."""
    refuse = _RET_ERRNO | errno.EACCES
    program = [
        _instruction(_LD_W_ABS, _ARCH),
        _instruction(_JEQ_K, arch["audit"], jt=1),  # another ABI (i386 on x86-64): refuse all
        _instruction(_RET_K, refuse),
        _instruction(_LD_W_ABS, _NR),
        _instruction(_JGE_K, _X32_BIT, jt=7),  # x32 calls: refuse
        _instruction(_JEQ_K, arch["socket"], jt=3),
        _instruction(_JEQ_K, arch["socketpair"], jt=2),
        _instruction(_JEQ_K, arch["io_uring_setup"], jt=4),  # io_uring can open sockets too
        _instruction(_RET_K, _RET_ALLOW),
        _instruction(_LD_W_ABS, _ARG0),  # socket(domain, ...) / socketpair(domain, ...)
        _instruction(_JEQ_K, _AF_UNIX, jf=1),
        _instruction(_RET_K, _RET_ALLOW),
        _instruction(_RET_K, refuse),
    ]
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_network() -> None:
    """Forbid this process, its threads and its future children every non-local socket.

    Irreversible. Raises SandboxUnavailable where the platform has no seccomp filters.
    """
    arch = _ARCHES.get(platform.machine())
    if not sys.platform.startswith("linux") or arch is None:
        raise SandboxUnavailable(
            f"no seccomp network filter for {sys.platform}/{platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    program = network_filter(arch)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    # seccomp(2) with TSYNC puts the filter on every thread the process already has
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(ctypes.c_long(arch["seccomp"]), ctypes.c_long(_SET_MODE_FILTER),
                    ctypes.c_long(_FILTER_FLAG_TSYNC), ctypes.byref(fprog)) != 0:
        raise SandboxUnavailable(f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")


def network_denied() -> bool:
    """True when this process cannot open an internet socket (the filter is in place)."""
    import socket

    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return True
    return False
