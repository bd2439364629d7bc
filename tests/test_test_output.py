"""The suite itself: its output (failures in detail, skips and expected failures one line per
reason) and what its install holds (JAX optional)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import outcome_lines

ROOT = Path(__file__).parents[1]

SAMPLE = """
import pytest


def test_passes():
    pass


def test_skipped():
    pytest.skip("needs a thing")


@pytest.mark.parametrize("case", [1, 2, 3])
@pytest.mark.xfail(reason="known, by design", strict=True)
def test_expected_failure(case):
    raise AssertionError


@pytest.mark.skipif(True, reason="needs a thing")
def test_skipped_too():
    pass


def test_fails():
    raise AssertionError("a real failure")
"""


def test_skips_and_expected_failures_are_one_line_per_reason(tmp_path):
    """This suite's conftest and pyproject's ``addopts`` on a sample module: no line per skipped or
    xfailed test, one line per reason with its count and where; failures still in detail."""
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    addopts = re.search(r'^addopts = "(.*)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", f"addopts={addopts}", "test_sample.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = result.stdout.splitlines()
    assert "2 skipped: needs a thing (test_sample.py)" in lines
    assert "3 xfailed: known, by design (test_sample.py)" in lines
    assert not [line for line in lines if line.startswith(("SKIPPED", "XFAIL"))]
    assert "FAILED test_sample.py::test_fails - AssertionError: a real failure" in lines
    assert lines[-1].startswith("1 failed, 1 passed, 2 skipped, 3 xfailed")


def test_a_reason_of_one_test_names_it():
    class Report:
        def __init__(self, nodeid, reason):
            self.nodeid, self.longrepr = nodeid, ("a.py", 3, f"Skipped: {reason}")

    reports = [Report("t/a.py::test_x", "needs CuPy"), Report("t/a.py::test_y", "needs torch")]
    reports.append(Report("t/b.py::test_z", "needs torch"))
    assert outcome_lines("skipped", reports) == [
        "2 skipped: needs torch (t/a.py, t/b.py)",
        "1 skipped: needs CuPy (t/a.py::test_x)",
    ]


def extras():
    """pyproject's optional dependencies, ``{extra: [requirement, ...]}``."""
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def test_jax_is_an_extra_of_its_own_and_its_test_skips_without_it():
    """The test extra stays light: JAX (hundreds of MB for one test) is the interop extra, and the
    test that uses it skips, with its reason, where JAX cannot be imported."""
    assert not [requirement for requirement in extras()["test"] if requirement.startswith("jax")]
    assert extras()["interop"] == ["jax>=0.4.32"]
    code = (
        "import sys; sys.modules['jax'] = None; import pytest; "
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', "
        "'tests/test_interop.py::test_jax_array_in_gives_jax_array_out']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped: the JAX array tests need jax (pip install -e '.[interop]')" in result.stdout
