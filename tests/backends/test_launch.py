"""The typed launches of ``gpu_clover._cuda``: arguments by the ``.cu`` parameter names, pointers
checked, scalars packed at the parameter's width, one launch policy; the module table."""

from pathlib import Path

import numpy as np
import pytest

from gpu_clover import _random
from gpu_clover._cuda import _launch, _modules, _signatures


def _interpolate_params():
    return _launch._parameters("generate", "interpolate_rows<float>")


def _good_arguments():
    X, index, gap = np.zeros((3, 2), np.float32), np.zeros(3, np.int64), np.zeros(3, np.float32)
    return {"X": X, "base": index, "neighbor": index, "gap": gap, "n_rows": 3, "d": 2, "out": X}


def test_arguments_are_packed_in_the_kernels_order_at_each_parameters_width():
    arguments = _good_arguments()
    values = _launch.pack("interpolate_rows<float>", _interpolate_params(), dict(reversed(arguments.items())))
    assert values[0] is arguments["X"] and values[3] is arguments["gap"]
    assert [type(v) for v in values[4:6]] == [np.int64, np.int32]
    scale = _launch.pack(
        "som_influence<double>",
        _launch._parameters("kmeans", "som_influence<double>"),
        {"grid_sq": np.zeros(4), "n": 4, "scale": 0.25, "out": np.zeros(4)},
    )
    assert type(scale[2]) is np.float64 and scale[2] == 0.25


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"d": 2**31}, OverflowError, "does not fit a int"),
        ({"d": 2.0}, TypeError, "cannot be interpreted as an integer"),
        ({"base": np.zeros(3, np.int32)}, TypeError, "has dtype int32, not int64"),
        ({"X": 0}, TypeError, "not an array"),
        ({"X": np.zeros((3, 4), np.float32)[:, ::2]}, TypeError, "C-contiguous"),
        ({"n_rows": np.zeros(2, np.int64)}, TypeError, "an array, not a scalar"),
        ({"width": 3}, TypeError, r"unknown arguments \['width'\]"),
    ],
)
def test_a_wrong_argument_is_refused_before_the_launch(change, error, message):
    arguments = {**_good_arguments(), **change}
    with pytest.raises(error, match=message):
        _launch.pack("interpolate_rows<float>", _interpolate_params(), arguments)


def test_a_missing_argument_is_named():
    arguments = _good_arguments()
    del arguments["gap"]
    with pytest.raises(TypeError, match=r"missing \['gap'\]"):
        _launch.pack("interpolate_rows<float>", _interpolate_params(), arguments)


def test_a_bare_name_is_the_variants_instance_and_unknown_kernels_are_refused():
    assert _launch.kernel("kmeans", "double", "nearest_from_dots").expression == "nearest_from_dots<double>"
    assert _launch.kernel("kmeans", "float", "seed_pick").expression == "seed_pick"
    assert _launch.kernel("checks", "int", "take_rows<double, int>").parameters[1] == ("int", True, "index")
    with pytest.raises(KeyError):
        _launch.kernel("kmeans", "float", "no_such_kernel")


def test_launch_policy():
    assert _launch.grid_stride(0) == ((1,), (256,))
    assert _launch.grid_stride(1 << 40) == ((1 << 20,), (256,))
    assert _launch.atomic_reduction(1 << 30).grid == (1024,)
    assert _launch.warp_per_item(9) == ((2,), (256,))
    assert _launch.thread_per_item(300, 128) == ((3,), (128,))
    assert _launch.block_per_item(5) == ((5,), (256,))


def test_every_module_has_its_kernels_and_complete_source():
    """Each name expression names a kernel of its module's source; every header is written in
    place once and every macro a source tests for is defined by the loader."""
    for module, variant in _modules.MODULES:
        source, names, options = _modules.module_spec(module, variant)
        kernels = _signatures.signatures(source)
        assert names and all(name.partition("<")[0] in kernels for name in names)
        assert "#include" not in source
        defined = {o[2:].split("=")[0] for o in options if o.startswith("-D")}
        for guard in ("TOPK_MAX", "SEED_THREADS", "MAX_TRIALS", "LOCAL_BINS", "SPLITMIX_GOLDEN"):
            if f"defined({guard})" in source or f"#ifndef {guard}" in source:
                assert guard in defined, (module, guard)


def test_splitmix_constants_have_one_definition():
    """The CUDA sources take SplitMix64's constants from ``_random`` (the loader's defines) and
    write none of them."""
    literals = [f"{value:#x}" for value in (_random.GOLDEN, _random.MIX1, _random.MIX2)]
    for module, variant in _modules.MODULES:
        source, _, options = _modules.module_spec(module, variant)
        assert not any(literal in source.lower() for literal in literals), module
        if "stream_base" in source:
            assert {f"-DSPLITMIX_GOLDEN={literals[0]}ULL", f"-DSPLITMIX_MIX2={literals[2]}ULL"} <= set(options)


def test_a_numpy_fit_imports_no_gpu_engine():
    """The CuPy engines and the kernel loader's compiled modules stay out of a NumPy run (CuPy
    is optional): each engine module is imported by its chooser on the CuPy backend only."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np, gpu_clover\n"
        "rng = np.random.default_rng(0)\n"
        "X = np.concatenate([rng.normal(size=(300, 3)), rng.normal(loc=2.0, size=(60, 3))])\n"
        "y = np.repeat([0, 1], [300, 60])\n"
        "for name in ('KMeansSMOTE', 'SOMO', 'GeometricSOMO'):\n"
        "    getattr(gpu_clover, name)(random_state=0, backend='numpy').fit_resample(X, y)\n"
        "print(sorted(m for m in sys.modules if m.endswith('_cupy') or m == 'cupy'))\n"
    )
    root = Path(__file__).resolve().parents[2]  # this checkout's gpu_clover
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root)
    assert found.stdout.strip() == "[]", found.stdout
