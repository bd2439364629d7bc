"""Boundaries of the code base, read from the source: who may import CuPy, and what the Dask
layer may do to the estimators it drives."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gpu_clover"
# The samplers, the distribution stage, the Dask layer and the shared helpers talk to the
# backends' public interface; only the backends (and the CUDA layer) import CuPy.
NO_CUPY = [
    "over_sampling",
    "distribution",
    "dask",
    "_random.py",
    "_placement.py",
    "_interop.py",
    "_validation.py",
    "_casting.py",
    "_groups.py",
    "_state.py",
    "_timing.py",
]


def _sources(*parts):
    for part in parts:
        path = PACKAGE / part
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", list(_sources(*NO_CUPY)), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_cupy_import(path):
    imported = [name for name in _imported_modules(_tree(path)) if name.split(".")[0] == "cupy"]
    assert not imported, f"{path.name} imports {imported}: go through gpu_clover.backends (get_backend, Placement)"


def _foreign_private_calls(tree):
    """``obj._method(...)`` where obj is not ``self``: a private method of another object."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, owner = node.func.attr, node.func.value
            if name.startswith("_") and not name.startswith("__") and not _is_self(owner):
                yield node.lineno, ast.unparse(node.func)


def _foreign_fitted_writes(tree):
    """``obj.attribute_ = ...`` where obj is not ``self``: another estimator's fitted attribute."""
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for leaf in ast.walk(target) if target is not None else ():
                if _is_fitted_store(leaf) and not _is_self(leaf.value):
                    yield node.lineno, ast.unparse(leaf)


def _is_fitted_store(node):
    fitted = isinstance(node, ast.Attribute) and node.attr.endswith("_") and not node.attr.startswith("_")
    return fitted and isinstance(node.ctx, ast.Store)


def _is_self(node):
    return isinstance(node, ast.Name) and node.id == "self"


@pytest.mark.parametrize("path", list(_sources("dask")), ids=lambda path: path.name)
def test_dask_layer_uses_public_interfaces_only(path):
    """The Dask layer fits the estimators it drives through their public or explicitly shared
    interfaces (``fit_on_groups``, ``cluster._kmeans_state``): no private method of another
    object, no fitted attribute written on another object."""
    tree = _tree(path)
    calls, writes = list(_foreign_private_calls(tree)), list(_foreign_fitted_writes(tree))
    assert not calls, f"{path.name} calls private methods of other objects: {calls}"
    assert not writes, f"{path.name} writes fitted attributes of other objects: {writes}"


def test_the_scans_see_what_they_forbid():
    """The two scans flag the patterns they exist for (so an empty answer above means something)."""
    tree = ast.parse("estimator._initial_centers(b, X, s)\nestimator.labels_ = labels\nself.labels_ = labels\n")
    assert [line for line, _ in _foreign_private_calls(tree)] == [1]
    assert [line for line, _ in _foreign_fitted_writes(tree)] == [2]
    assert not list(_imported_modules(ast.parse("from ..backends import get_backend")))
    assert list(_imported_modules(ast.parse("import cupy as cp"))) == ["cupy"]


def test_the_gpu_marker_is_defined_once():
    """``pytest.mark.gpu`` is spelled in tests/conftest.py only; every other test module imports it."""
    tests = Path(__file__).resolve().parent
    spelled = [
        str(path.relative_to(tests))
        for path in sorted(tests.rglob("*.py"))
        if path.name not in ("conftest.py", "test_architecture.py") and "mark.gpu" in path.read_text()
    ]
    assert not spelled, f"define GPU marks with `from conftest import gpu` (or BACKENDS), not in {spelled}"


# A module a newcomer can read whole: larger ones split by responsibility.
MAX_MODULE_LINES = 800


def test_no_module_is_over_the_line_limit():
    sizes = {path.relative_to(PACKAGE).as_posix(): len(path.read_text().splitlines()) for path in PACKAGE.rglob("*.py")}
    assert len(sizes) > 40  # the scan sees the package
    assert {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}


def test_no_cuda_source_in_python_strings():
    """Kernels live in .cu / .cuh files: no Python string in the package defines one."""
    definition = re.compile(r"__(global|device)__\s+(\w+\s+)+\w+\s*\(")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and definition.search(node.value):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
    assert any(PACKAGE.rglob("*.cu")) and any(PACKAGE.rglob("*.cuh"))


def test_the_reference_implementation_is_a_test_oracle_only():
    """imbalanced-learn-extra (cluster-over-sampling) checks the package in the tests and the
    benchmarks; the package itself never imports it."""
    importers = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in PACKAGE.rglob("*.py")
        for name in _imported_modules(_tree(path))
        if name and name.split(".")[0] == "imblearn_extra"
    ]
    assert importers == []
