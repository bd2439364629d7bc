"""NVRTC, CUDA's runtime compiler, through ctypes: compile gpu_clover's kernel modules exactly as
CuPy's ``RawModule`` would (source, name expressions, options), with no GPU and no CuPy.

The library comes from the ``nvidia-cuda-nvrtc`` wheel (``nvidia/cu13/lib``) or a CUDA
toolkit; ``library()`` is None when neither is found.
"""

import ctypes
import glob
import os
import sys

_PATTERNS = ("nvidia/cu13/lib/libnvrtc.so.*", "nvidia/cuda_nvrtc/lib/libnvrtc.so.*", "nvidia/cu12/lib/libnvrtc.so.*")


def library():
    """The loaded NVRTC library, or None."""
    candidates = [path for root in sys.path for pattern in _PATTERNS for path in glob.glob(os.path.join(root, pattern))]
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if home:
            candidates += glob.glob(os.path.join(home, "lib64", "libnvrtc.so*"))
    for path in sorted(p for p in candidates if "builtins" not in os.path.basename(p)):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def compile_module(lib, source, names, options, arch="compute_90", log=None):
    """Compile ``source`` with ``names`` as name expressions; returns ``{name: lowered name}``.

    ``arch`` ``compute_XX`` stops at PTX; ``sm_XX`` runs the assembler (ptxas) too, as CuPy
    does for the device's architecture. ``log`` (a list, optional) receives NVRTC's log lines.
    Raises RuntimeError with NVRTC's log when the compilation fails.
    """
    program = ctypes.c_void_p()
    _check(lib, lib.nvrtcCreateProgram(ctypes.byref(program), source.encode(), b"kern.cu", 0, None, None))
    try:
        for name in names:
            _check(lib, lib.nvrtcAddNameExpression(program, name.encode()))
        flags = [*options, f"-arch={arch}"]
        status = lib.nvrtcCompileProgram(
            program, len(flags), (ctypes.c_char_p * len(flags))(*(f.encode() for f in flags))
        )
        if status != 0:
            raise RuntimeError(f"NVRTC could not compile the module:\n{_log(lib, program)}")
        if log is not None:
            log.extend(_log(lib, program).splitlines())
        lowered = {}
        for name in names:
            out = ctypes.c_char_p()
            _check(lib, lib.nvrtcGetLoweredName(program, name.encode(), ctypes.byref(out)))
            lowered[name] = out.value.decode()
        return lowered
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(program))


def _log(lib, program):
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(program, ctypes.byref(size))
    text = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(program, text)
    return text.value.decode(errors="replace")


def _check(lib, status):
    if status != 0:
        lib.nvrtcGetErrorString.restype = ctypes.c_char_p
        raise RuntimeError(f"NVRTC error {status}: {lib.nvrtcGetErrorString(status).decode()}")
