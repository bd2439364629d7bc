"""Large host <-> device copies through pinned staging buffers.

A pageable NumPy array crosses the bus at a fraction of the link's speed: the
driver copies it through a small pinned buffer of its own, one piece at a time,
on one core. Here the array goes in chunks through two pinned buffers: several
threads copy one chunk between the NumPy array and a pinned buffer while the
device copies the other buffer (DMA), so the memory copy and the bus transfer
overlap. Small arrays take the plain path.
"""

import cupy as cp
import numpy as np

from ._host import as_bytes, host_copy

# Arrays from this size on are staged; each pinned buffer holds one chunk.
STAGED_MIN_BYTES = 32 << 20
CHUNK_BYTES = 64 << 20


def to_device(host):
    """A CuPy copy of the NumPy array ``host`` (staged through pinned buffers when large)."""
    host = np.ascontiguousarray(host)
    if host.nbytes < STAGED_MIN_BYTES:
        return cp.asarray(host)
    out = cp.empty(host.shape, dtype=host.dtype)
    src, dst = as_bytes(host), out.reshape(-1).view(cp.uint8)
    stream = cp.cuda.get_current_stream()
    buffers = _staging_buffers()
    in_flight = [None, None]  # event per buffer: its last DMA has finished
    for i, (a, b) in enumerate(_chunks(src.size)):
        slot = i % 2
        if in_flight[slot] is not None:
            in_flight[slot].synchronize()  # the buffer's previous chunk has left
        staged = buffers[slot][: b - a]
        host_copy(staged, src[a:b])
        dst[a:b].set(staged, stream=stream)  # asynchronous: the buffer is pinned
        in_flight[slot] = stream.record()
    stream.synchronize()  # the buffers are free again before the next transfer reuses them
    return out


def to_host_into(device, out):
    """Copy the CuPy array ``device`` into the C-contiguous NumPy array ``out`` (same size and dtype)."""
    device = cp.ascontiguousarray(device)
    if device.nbytes < STAGED_MIN_BYTES:
        device.get(out=out.reshape(device.shape))
        return out
    src, dst = device.reshape(-1).view(cp.uint8), as_bytes(out)
    stream = cp.cuda.get_current_stream()
    buffers = _staging_buffers()
    chunks = list(_chunks(src.size))
    arrived = [None, None]

    def fetch(i):
        a, b = chunks[i]
        src[a:b].get(stream=stream, out=buffers[i % 2][: b - a], blocking=False)
        arrived[i % 2] = stream.record()

    fetch(0)
    for i, (a, b) in enumerate(chunks):
        if i + 1 < len(chunks):
            fetch(i + 1)  # the device fills the other buffer while this one is copied out
        arrived[i % 2].synchronize()
        host_copy(dst[a:b], buffers[i % 2][: b - a])
    return out


def _chunks(n):
    for a in range(0, n, CHUNK_BYTES):
        yield a, min(a + CHUNK_BYTES, n)


def _staging_buffers():
    """Two pinned host buffers of CHUNK_BYTES (from CuPy's pinned pool: allocated once, then reused)."""
    return [
        np.frombuffer(cp.cuda.alloc_pinned_memory(CHUNK_BYTES), dtype=np.uint8, count=CHUNK_BYTES) for _ in range(2)
    ]
