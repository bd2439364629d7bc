#!/usr/bin/env bash
# The project's GPU check: `pytest -m gpu` plus the GPU benchmark, with a summary.
#   bash benchmarks/gpu_check.sh OUTDIR [benchmark arguments...]
# Writes OUTDIR/pytest.txt, OUTDIR/bench.json and OUTDIR/summary.md.
set -uo pipefail
out=${1:?usage: gpu_check.sh OUTDIR [bench_gpu.py arguments]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
# The scripts run from the repository root, with this checkout's gpu_clover first on the path
# (whether or not the package is installed there).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
python3 - > "$out/device.txt" 2>&1 <<'PY'
import cupy, numpy, sklearn
props = cupy.cuda.runtime.getDeviceProperties(0)
print("device:", props["name"].decode(), f"{props['totalGlobalMem'] / 2**30:.0f} GiB")
print("cupy:", cupy.__version__, "cuda runtime:", cupy.cuda.runtime.runtimeGetVersion(), "numpy:", numpy.__version__, "sklearn:", sklearn.__version__)
PY
start=$(date +%s)
cat > "$out/cold_start.py" <<'PY'
# First call in a fresh process with an empty kernel cache: includes CuPy's kernel compilation.
# Every compilation is logged (kernel, seconds, whether it went through Jitify, e.g. CUB).
# Argument: the sampler (KMeansSMOTE with 64 clusters, SOMO or GeometricSOMO, their defaults).
import json, os, re, sys, time
import cupy as cp
import cupy.cuda.compiler as compiler
from sklearn.datasets import make_classification
import gpu_clover
from gpu_clover._timing import stage_listener
import inspect
compiled = []
hook = "_compile_using_nvrtc_no_warning" if hasattr(compiler, "_compile_using_nvrtc_no_warning") else "compile_using_nvrtc"
_nvrtc = getattr(compiler, hook)
_signature = inspect.signature(_nvrtc)
def _logged(source, *args, **kwargs):
    t = time.perf_counter()
    try:
        return _nvrtc(source, *args, **kwargs)
    finally:
        bound = _signature.bind_partial(source, *args, **kwargs).arguments
        # gpu_clover's modules by their first name expression (kernel and type), others by their first kernel
        names = list(bound.get("name_expressions") or ()) or re.findall(r"__global__\s+void\s+(\w+)", source) or re.findall(r"(cub::\w+)", source)
        compiled.append({"kernel": (names or ["?"])[0], "s": round(time.perf_counter() - t, 3), "jitify": bool(bound.get("jitify")), "chars": len(source)})
setattr(compiler, hook, _logged)
X, y = make_classification(n_samples=20000, n_features=32, weights=[0.95], random_state=0)
X, y = cp.asarray(X, dtype=cp.float32), cp.asarray(y)
def _attribute(stage, seconds):  # compilations since the last stage ended belong to this one
    for c in compiled:
        c.setdefault("stage", stage)
calls = []
for _ in range(2):
    compiled.clear()
    name = sys.argv[1]
    sampler = gpu_clover.KMeansSMOTE(kmeans_estimator=64, random_state=0) if name == "KMeansSMOTE" else getattr(gpu_clover, name)(random_state=0)
    t = time.perf_counter()
    with stage_listener(_attribute):
        sampler.fit_resample(X, y)
    cp.cuda.get_current_stream().synchronize()
    calls.append({"seconds": round(time.perf_counter() - t, 3), "stages": {k: round(v, 3) for k, v in sampler.stage_seconds_.items()},
                  "compilations": len(compiled), "compile_s": round(sum(c["s"] for c in compiled), 3),
                  "per_stage": {st: sum(c.get("stage") == st for c in compiled) for st in sampler.stage_seconds_},
                  "slowest": sorted(compiled, key=lambda c: -c["s"])[:40],
                  "all": [f'{c.get("stage", "?")}:{c["kernel"]}:{c["s"]}' for c in compiled]})
print(json.dumps({"sampler": sys.argv[1], "CUPY_ACCELERATORS": os.environ.get("CUPY_ACCELERATORS", "(default)"), "cold": calls[0], "warm": calls[1]}))
PY
CUPY_CACHE_DIR=$(mktemp -d) python3 "$out/cold_start.py" KMeansSMOTE > "$out/cold_start.txt" 2>&1
CUPY_CACHE_DIR=$(mktemp -d) CUPY_ACCELERATORS= python3 "$out/cold_start.py" KMeansSMOTE >> "$out/cold_start.txt" 2>&1
for sampler in SOMO GeometricSOMO; do
  CUPY_CACHE_DIR=$(mktemp -d) python3 "$out/cold_start.py" "$sampler" >> "$out/cold_start.txt" 2>&1
done
python3 -m pytest -m gpu -q -p no:cacheprovider --continue-on-collection-errors tests > "$out/pytest.txt" 2>&1
pytest_rc=$?
python3 benchmarks/bench_gpu.py "$@" > "$out/bench.json" 2> "$out/bench.err"
bench_rc=$?
# Mixed-type tables (issue 23) on the GPU: bench_mixed.py's table (pandas in, pandas out), its
# samplers on the cupy backend in this process (no address-space cap: CUDA reserves a large one).
python3 - > "$out/mixed.json" 2> "$out/mixed.err" <<'PY'
import json, sys, time
sys.path.insert(0, "benchmarks")
import cupy as cp
import gpu_clover
from bench_mixed import make_table
result = {}
for rows in (1_000_000, 10_000_000):
    X, y = make_table(rows)
    for name in ("SMOTE", "KMeansSMOTE"):
        runs = []
        for _ in range(2):  # the first run compiles the kernels
            sampler = getattr(gpu_clover, name)(random_state=0, backend="cupy")
            t = time.perf_counter()
            sampler.fit_resample(X, y)
            cp.cuda.get_current_stream().synchronize()
            runs.append(round(time.perf_counter() - t, 3))
        result[f"{name} {rows}"] = {"seconds": runs, "stages": {k: round(v, 3) for k, v in sampler.stage_seconds_.items()}}
        print(json.dumps(result), flush=True)
PY
mixed_rc=$?
{
  echo "# GPU check $(date -u +%Y-%m-%dT%H:%MZ)"
  cat "$out/device.txt"
  echo; echo "pytest -m gpu: exit $pytest_rc: $(tail -n 1 "$out/pytest.txt")"
  echo "cold start (fresh kernel cache; first call, compilations, second call):"
  python3 - "$out/cold_start.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        print("  ", line.rstrip()[:300]); continue
    c, w = r["cold"], r["warm"]
    print(f"  {r['sampler']}, CUPY_ACCELERATORS={r['CUPY_ACCELERATORS']}: {c['seconds']} s, {c['compilations']} compilations "
          f"({c['compile_s']} s, {sum(x['jitify'] for x in c['slowest'])} via Jitify among the 40 slowest); second call {w['seconds']} s")
    print(f"    compilations per stage: {c.get('per_stage')}; stages of the cold call: {c['stages']}")
PY
  echo "benchmark: exit $bench_rc (bench.json)"
  echo "mixed-type tables: exit $mixed_rc: $(tail -n 1 "$out/mixed.json")"
  echo "elapsed: $(( $(date +%s) - start )) s"
} > "$out/summary.md"
cat "$out/summary.md"
[ "$pytest_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
