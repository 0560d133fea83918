"""FR-Train's grid compiled: frlib/frtrain_kernel.c, built once with the machine's C compiler.

:func:`frlib.frtrain_grid.train_frtrain_grid` trains on this kernel when a C compiler is available
and on torch otherwise (same algorithm, same trajectories up to float rounding; measured in
benchmarks/frtrain_grid.py). The kernel trains one run at a time with the whole epoch fused
into a few passes over the rows, so that a run's data stay in the processor's cache; the runs
are shared out between threads, one per core (``FRLIB_THREADS`` sets another number,
:func:`frlib.config.kernel_threads`; the results do not depend on it).

**Building.** The first call compiles the kernel with ``$CC`` (or ``cc``, ``gcc``, ``clang``)
into ``$FRLIB_CACHE_DIR`` (default ``~/.cache/frlib``; a temporary folder if that is not
writable), about a second; later calls, in any process, load the built file. Its name carries a
hash of the source, the compiler's version, the flags and the processor's instruction set, so an
edit, another compiler or another machine builds a new file; a build writes a temporary file and
renames it, so concurrent builds never load a half-written one. Deleting the folder is always
safe. The flags follow torch's choice of vector instructions (``ATEN_CPU_CAPABILITY``): the
native set by default, AVX2 or none when torch is told so.

Without a compiler (or when the build fails) :func:`load` prints one line saying so and returns
None; the grid then runs on torch.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from . import config

SOURCE = Path(__file__).with_name("frtrain_kernel.c")
MAX_HIDDEN = 64  # HMAX of the kernel: wider D_R hidden layers train on torch
BASE_FLAGS = ("-O3", "-shared", "-fPIC", "-std=gnu99")
_ISA_FLAGS = {"default": (), "avx2": ("-mavx2", "-mfma"), "native": ("-march=native",)}

_library: ctypes.CDLL | None = None
_tried = False


def cache_dir() -> Path:
    """Where built kernels are kept: ``$FRLIB_CACHE_DIR``, else ``~/.cache/frlib``."""
    configured = config.kernel_build_environment()["cache_dir"]
    return Path(configured) if configured else Path.home() / ".cache" / "frlib"


def find_compiler() -> str | None:
    """The C compiler to use: ``$CC`` if set, else the first of cc, gcc, clang on the PATH."""
    chosen = config.kernel_build_environment()["compiler"]
    for name in ([chosen] if chosen else ["cc", "gcc", "clang"]):
        path = shutil.which(name)
        if path:
            return path
    return None


def _isa_flags() -> tuple[str, ...]:
    """Vector instructions as torch uses them: ATEN_CPU_CAPABILITY=default/avx2 narrow them."""
    capability = config.kernel_build_environment()["cpu_capability"]
    if capability in ("default", "avx2") and platform.machine().lower() in ("x86_64", "amd64"):
        return _ISA_FLAGS[capability]
    return _ISA_FLAGS["native"]


def _compiler_version(compiler: str) -> str:
    try:
        return subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_signature() -> str:
    """The processor's model and instruction sets (a built file is only reused on the same kind)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
        lines = [line for line in text.splitlines() if line.startswith(("model name", "flags", "Features"))]
        return "\n".join(sorted(set(lines)))
    except OSError:
        return platform.processor() + platform.machine()


def kernel_name(compiler: str, flags: tuple[str, ...]) -> str:
    """The built file's name: a hash of the source, flags, compiler version and processor."""
    parts = [SOURCE.read_bytes(), " ".join((*BASE_FLAGS, *flags)).encode(),
             _compiler_version(compiler).encode(), _cpu_signature().encode()]
    digest = hashlib.sha256(b"\0".join(parts)).hexdigest()
    return f"frtrain_kernel-{digest[:16]}.so"


class _CompileError(Exception):
    """The compiler rejected the kernel (these flags fail in any folder)."""


def _build(compiler: str, flags: tuple[str, ...], target: Path) -> None:
    """Compile SOURCE into target, atomically (a temporary file renamed into place).

    Raises _CompileError with the compiler's message when it fails, OSError when the folder is
    not writable.
    """
    handle, temporary = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(handle)
    command = [compiler, *BASE_FLAGS, *flags, "-o", temporary, str(SOURCE), "-lm"]
    try:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except subprocess.SubprocessError as error:
            raise _CompileError(str(error)) from None
        if result.returncode != 0:
            raise _CompileError((result.stderr or result.stdout).strip() or f"{compiler} exited with {result.returncode}")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _notice(message: str) -> None:
    print(f"frlib: {message}; FR-Train's grid runs on torch (slower; the same algorithm).", file=sys.stderr)


def _private_folder(folder: Path) -> bool:
    """Create folder for this user only; False if it exists and others could write into it."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = folder.stat()
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or status.st_uid == os.getuid()
    return owner_ok and not status.st_mode & 0o022


def _folders() -> list[Path]:
    user = os.getuid() if hasattr(os, "getuid") else "user"
    return [cache_dir(), Path(tempfile.gettempdir()) / f"frlib-{user}"]


def _load_or_build(compiler: str, flags: tuple[str, ...], target: Path) -> ctypes.CDLL:
    """The kernel at target, built first if missing, rebuilt once if the file does not load."""
    for attempt in range(2):
        if not target.exists():
            _build(compiler, flags, target)
        try:
            library = ctypes.CDLL(str(target))
            _declare(library)
            return library
        except (OSError, AttributeError):  # a damaged file: remove it and build again
            if attempt:
                raise
            target.unlink(missing_ok=True)
    raise AssertionError("unreachable")


def load() -> ctypes.CDLL | None:
    """The built kernel (built on first use), or None with a one-line notice when it cannot be.

    Built files are kept in the first folder of ``$FRLIB_CACHE_DIR`` (or ``~/.cache/frlib``) and
    a per-user temporary folder that this user alone can write to; a folder others can write to
    is never used (a built file is code that gets loaded). The native flags are tried first,
    then none.
    """
    global _library, _tried
    if _tried:
        return _library
    _tried = True
    compiler = find_compiler()
    if compiler is None:
        _notice("no C compiler found (cc, gcc or clang; or set CC)")
        return None
    flags = _isa_flags()
    failures: list[str] = []
    folders = [folder for folder in _folders() if _private_folder(folder)]
    if not folders:
        failures.append(f"no private folder to build in ({', '.join(map(str, _folders()))})")
    for flag_set in (flags, ()) if flags else ((),):
        for folder in folders:
            try:
                _library = _load_or_build(compiler, flag_set, folder / kernel_name(compiler, flag_set))
                return _library
            except _CompileError as error:
                failures.append(str(error))
                break  # these flags fail in any folder
            except OSError as error:  # this folder is not writable, or the file does not load
                failures.append(str(error))
    lines = failures[-1].splitlines() if failures else ["unknown error"]
    _notice(f"the C kernel did not build ({next((line for line in lines if 'error' in line), lines[-1]).strip()})")
    return None


_F = ctypes.POINTER(ctypes.c_float)


def _declare(library: ctypes.CDLL) -> None:
    library.frtrain_train.restype = ctypes.c_int
    library.frtrain_train.argtypes = ([ctypes.c_int] * 13 + [ctypes.c_float] * 3 + [ctypes.POINTER(ctypes.c_uint8)]
                                      + [_F] * 16)


def padded(rows: int) -> int:
    """Rows rounded up to the kernel's vector of 16."""
    return -(-rows // 16) * 16


def _pad_columns(values: np.ndarray, width: int) -> np.ndarray:
    """(..., m) -> (..., width) float32, zeros on the right."""
    out = np.zeros(values.shape[:-1] + (width,), dtype=np.float32)
    out[..., : values.shape[-1]] = values
    return out


def train(library: ctypes.CDLL, X: np.ndarray, y: np.ndarray, z: np.ndarray, X_val: np.ndarray,
          y_val: np.ndarray, lambda_f: np.ndarray, lambda_r: np.ndarray, params: dict[str, np.ndarray],
          settings, flags: np.ndarray) -> dict[str, np.ndarray]:
    """Train every run with the kernel; ``params`` (per run b = s R + r) are updated in place.

    X (S, n, d), y and z (S, n), X_val (S, n_val, d), y_val (S, n_val); lambdas (B,) with
    B = S * R;
    params: ``gen_w`` (B, d), ``gen_b`` (B,), ``f_w`` (B, 2), ``f_b`` (B,), ``r_w1`` (B, H, d + 2),
    ``r_w2`` (B, H), ``r_b2`` (B,), all float32 C-contiguous. Returns the example weights and
    clean scores (B, n) and the records (T, 4, B): generator, fairness, robustness, label loss.
    ``flags`` (epochs,) uint8: 1 where the epoch is recorded, + 2 where the generator's loss of
    that epoch's step is read.
    """
    flags = np.ascontiguousarray(flags, dtype=np.uint8)
    n_records = int((flags & 1).sum())
    S, n, d = X.shape
    n_val, B, H = X_val.shape[1], len(lambda_f), params["r_w2"].shape[1]
    R = B // S
    rows = np.concatenate([_pad_columns(X_val.transpose(0, 2, 1), padded(n_val)),
                           _pad_columns(X.transpose(0, 2, 1), padded(n))], axis=2)  # (S, d, N)
    arrays = [np.ascontiguousarray(rows), _pad_columns(y, padded(n)), _pad_columns(z, padded(n)),
              _pad_columns(2 * y_val - 1, padded(n_val)),
              np.ascontiguousarray(lambda_f, dtype=np.float32), np.ascontiguousarray(lambda_r, dtype=np.float32)]
    names = ("gen_w", "gen_b", "f_w", "f_b", "r_w1", "r_w2", "r_b2")
    outputs = {"example_weights": np.empty((B, n), np.float32), "clean_score": np.empty((B, n), np.float32),
               "records": np.empty((n_records, 4, B), np.float32)}
    pointers = [_pointer(a) for a in (*arrays, *(params[name] for name in names), *outputs.values())]

    def train_runs(first: int, last: int) -> int:
        return library.frtrain_train(
            S, R, first, last, d, H, n_val, n, settings.epochs, settings.k, settings.warmup_epochs,
            settings.reweight_every, int(settings.fairness == "eo"), settings.lr_generator, settings.lr_fairness,
            settings.lr_robustness, flags.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), *pointers)

    # Runs are independent: each thread trains a contiguous share (ctypes releases the GIL during
    # the call, so the threads run at once). The results do not depend on the number of threads.
    threads = min(B, config.kernel_threads())
    bounds = [B * i // threads for i in range(threads + 1)]
    if threads == 1:
        statuses = [train_runs(0, B)]
    else:
        with ThreadPoolExecutor(threads) as pool:
            statuses = list(pool.map(train_runs, bounds[:-1], bounds[1:]))
    if any(statuses):
        raise MemoryError(f"the FR-Train kernel could not allocate its buffers ({B} runs of {n} rows)")
    return outputs


def _pointer(array: np.ndarray) -> ctypes._Pointer:
    if array.dtype != np.float32 or not array.flags.c_contiguous:
        raise TypeError("the FR-Train kernel takes C-contiguous float32 arrays")
    return array.ctypes.data_as(_F)
