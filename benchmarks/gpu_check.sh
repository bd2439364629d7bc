#!/usr/bin/env bash
# The project's GPU check: `pytest -m gpu` plus the GPU benchmark, with a summary.
#   bash benchmarks/gpu_check.sh OUTDIR [benchmark arguments...]
# Writes OUTDIR/pytest.txt, OUTDIR/bench.json and OUTDIR/summary.md.
set -uo pipefail
out=${1:?usage: gpu_check.sh OUTDIR [bench_gpu.py arguments]}
shift
mkdir -p "$out"
python3 - > "$out/device.txt" 2>&1 <<'PY'
import cupy, numpy, sklearn
props = cupy.cuda.runtime.getDeviceProperties(0)
print("device:", props["name"].decode(), f"{props['totalGlobalMem'] / 2**30:.0f} GiB")
print("cupy:", cupy.__version__, "cuda runtime:", cupy.cuda.runtime.runtimeGetVersion(), "numpy:", numpy.__version__, "sklearn:", sklearn.__version__)
PY
start=$(date +%s)
python3 - > "$out/cold_start.txt" 2>&1 <<'PY'
# First call on a fresh process and machine: includes CuPy's kernel compilation.
import time
t = time.perf_counter()
import cupy as cp
from sklearn.datasets import make_classification
from gpu_clover import KMeansSMOTE
X, y = make_classification(n_samples=20000, n_features=32, weights=[0.95], random_state=0)
X, y = cp.asarray(X, dtype=cp.float32), cp.asarray(y)
t0 = time.perf_counter()
KMeansSMOTE(kmeans_estimator=64, random_state=0).fit_resample(X, y)
cp.cuda.get_current_stream().synchronize()
t1 = time.perf_counter()
KMeansSMOTE(kmeans_estimator=64, random_state=0).fit_resample(X, y)
cp.cuda.get_current_stream().synchronize()
print(f"cold first call: {t1 - t0:.2f} s; warm second call: {time.perf_counter() - t1:.3f} s")
PY
python3 -m pytest -m gpu -q -p no:cacheprovider tests > "$out/pytest.txt" 2>&1
pytest_rc=$?
python3 benchmarks/bench_gpu.py "$@" > "$out/bench.json" 2> "$out/bench.err"
bench_rc=$?
{
  echo "# GPU check $(date -u +%Y-%m-%dT%H:%MZ)"
  cat "$out/device.txt"
  echo; echo "pytest -m gpu: exit $pytest_rc: $(tail -n 1 "$out/pytest.txt")"
  echo "cold start: $(cat "$out/cold_start.txt")"
  echo "benchmark: exit $bench_rc (bench.json)"
  echo "elapsed: $(( $(date +%s) - start )) s"
} > "$out/summary.md"
cat "$out/summary.md"
[ "$pytest_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
