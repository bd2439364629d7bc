"""
Time against rows: gpu_clover and its peers
===========================================

KMeans-SMOTE with 64 clusters, to balance, 5 % minority: the recorded figures of
``benchmarks/RESULTS.md`` (``benchmark_results.json`` next to this script holds them with
the machine, date and command). Nothing is timed when this page is built.
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt

try:
    here = Path(__file__).parent
except NameError:  # sphinx-gallery runs the script from its folder
    here = Path.cwd()
recorded = json.loads((here / "benchmark_results.json").read_text())

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, (name, run) in zip(axes, recorded["runs"].items()):
    for label, series in run["series"].items():
        ax.plot(series["rows"], series["seconds"], "o-", label=f"{label} ({series['features']} features)")
        for rows, seconds in zip(series["rows"], series["seconds"]):
            ax.annotate(f"{seconds:g} s", (rows, seconds), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows")
    ax.set_ylabel("seconds (median of 3)")
    ax.set_title(f"{name.upper()}: {run['machine'].split(',')[0]}", fontsize=9)
    ax.legend(fontsize=7)
    print(f"{name}: {run['machine']}; commit {run['commit']}; {run['command']}")
fig.suptitle(f"recorded {recorded['date']}", fontsize=9)
fig.tight_layout()
plt.show()
