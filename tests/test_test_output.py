"""The suite's own output: failures in detail, skips and expected failures one line per reason."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

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
