"""The notebooks in notebooks/ run from top to bottom on the CPU (the CI check), and are committed executed."""

import pathlib

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = sorted((pathlib.Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    assert [path.name for path in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_rapids_end_to_end.ipynb",
        "03_visual_comparison.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_without_errors(path):
    notebook = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None and cell.outputs for cell in code_cells), (
        f"{path.name} is committed without outputs: execute it and save it"
    )
    # Raises CellExecutionError, with the failing cell and its traceback, on any error.
    nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [output for cell in code_cells for output in cell.outputs if output.output_type == "error"]
    assert not errors
