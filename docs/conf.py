"""Sphinx configuration of the gpu_clover documentation site."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

# The API pages and the examples import gpu_clover from this checkout.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import gpu_clover

project = "gpu_clover"
author = "gpu_clover developers"
copyright = "gpu_clover developers, MIT licence"
release = gpu_clover.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/*.py", "examples/README.txt"]

autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every parameter documented and none unknown; every public class and function shows an
# example (its methods' docstrings need none).
numpydoc_validation_checks = {"PR01", "PR02", "EX01"}
numpydoc_validation_exclude = {r"\.(fit|fit_resample|fit_predict|predict)$"}
numpydoc_xref_param_type = False

intersphinx_mapping = {}

html_theme = "pydata_sphinx_theme"
html_title = f"gpu_clover {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "min_reported_time": 0,
    "doc_module": ("gpu_clover",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"gpu_clover": None},
}

# Matplotlib draws the gallery's figures off screen.
os.environ.setdefault("MPLBACKEND", "agg")
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")


def _write_cli_help():
    """The command line page shows ``--help`` of every command as this checkout prints it."""
    out = Path(__file__).parent / "generated" / "cli"
    out.mkdir(parents=True, exist_ok=True)
    for command in ["", "resample", "demo", "bench"]:
        argv = [sys.executable, "-m", "gpu_clover", *([command] if command else []), "--help"]
        env = {**os.environ, "COLUMNS": "100"}
        # From the checkout's root, so that ``-m gpu_clover`` is this checkout's.
        root = Path(__file__).parent.parent
        text = subprocess.run(argv, check=True, capture_output=True, text=True, env=env, cwd=root).stdout
        (out / f"{command or 'gpu-clover'}.txt").write_text(text)


_write_cli_help()
