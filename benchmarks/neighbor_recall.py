"""Accuracy of the bounded-cost neighbour stage (issue 14): recall@k and sampled distance sums.

    python benchmarks/neighbor_recall.py [--rows 1000000] [--k 5] [--queries 2000]
                                         [--seeds 0 1 2 3 4] [--small LIMIT:CEILING ...]
                                         [--sums-max-rows 200000] [--skip-large] [--skip-small]
                                         [--out FILE]

Groups above ``gpu_clover.neighbors.EXACT_MAX_ROWS`` rows are searched by cells
(``neighbor_search="auto"``) and their distance sums sampled. For every such group this
script measures, against exact answers:

- **recall@k**: for ``--queries`` rows drawn at random from the group (all rows if fewer),
  ``|found & exact| / k``, where ``found`` is the row's k neighbours in the sampler's own
  kNN table and ``exact`` its k nearest rows of the group by scikit-learn's
  ``NearestNeighbors(algorithm="brute")`` on float64 (the row itself excluded, by
  index). Also ``distance_ratio``: the mean distance to the found neighbours over the mean
  distance to the exact ones (1.0: as near as the exact ones).
- **sampled distance sums**: the relative error ``sampled / exact - 1`` of
  ``GroupNeighbors(..., search="auto", seed=s).distance_sums`` against
  ``GroupNeighbors(..., search="exact").distance_sums``, for every seed of ``--seeds``
  (the seed changes the sampled pairs): per group, each seed's error, their mean and
  standard deviation; over all groups, the mean and the root mean square of the errors.
  Only for groups of up to ``--sums-max-rows`` rows (the exact sums cost the square of
  the group); groups of up to ``F64_CHECK_MAX_ROWS`` rows also check the engine's exact
  sums against SciPy's float64 ``pdist`` (``exact_sum_f64_error``).

The groups are those the samplers build (captured from ``fit_resample``): for
``KMeansSMOTE(backend="numpy", random_state=0)`` the minority rows of each cluster, for
``SMOTE(backend="numpy", random_state=0)`` the whole minority class.

(a) ``large``: the data of ``bench_neighbors.py`` at ``--rows`` rows:
``make_classification(rows, n_features=20, n_informative=10, weights=[0.95],
n_clusters_per_class=4, random_state=0)`` as float32.

(b) ``small``: the problems of ``quality.py`` (seed 0), standardized as its pipelines do
(``StandardScaler`` on all rows). None of them has a group above the limit, which the
output states (``largest_group``). To run the cell search on them anyway, each
``--small LIMIT:CEILING`` lowers ``EXACT_MAX_ROWS`` to LIMIT and the cell search's
``MAX_CANDIDATES`` (the most rows compared per query row, default 32768) to CEILING for
the measurement (``default`` keeps the ceiling). Every group of either class above LIMIT
is then measured. A group of up to ``SAMPLED_ROWS`` rows has every row in the sample its
budget is set from, so under the default ceiling its recall over all rows is at least the
target by construction; a low ceiling shows what the recall is when the ceiling binds.

``gpu_clover`` is imported as Python finds it: run with ``PYTHONPATH=.`` from a checkout to
measure that checkout (the JSON's ``gpu_clover`` says which was measured).

Prints one JSON document (``--out`` also writes it to a file).
"""

import argparse
import contextlib
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist
from sklearn.neighbors import NearestNeighbors

import gpu_clover
import gpu_clover.neighbors._cell_search as cell_search
import gpu_clover.neighbors._group_neighbors as group_neighbors
import gpu_clover.over_sampling._base as sampler_base

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))
from _machine import package_source  # noqa: E402 (after the sys.path entry it needs)

# Groups up to this many rows also check the engine's exact distance sums against float64 pdist.
F64_CHECK_MAX_ROWS = 8192


# ------------------------------------------------------------------ capture and patches
@contextlib.contextmanager
def captured_neighbors():
    """Within this context, every ``GroupNeighbors`` a sampler makes is appended to the yielded list."""
    made = []
    real = sampler_base.GroupNeighbors

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    sampler_base.GroupNeighbors = recording
    try:
        yield made
    finally:
        sampler_base.GroupNeighbors = real


@contextlib.contextmanager
def limits(exact_max_rows=None, ceiling=None):
    """Temporarily lower the exact limit (the cell search's lower limit with it) and the cell
    search's ceiling of candidates per row (``None``: unchanged)."""
    saved = group_neighbors.EXACT_MAX_ROWS, group_neighbors.CELL_SEARCH_MIN_ROWS, cell_search.MAX_CANDIDATES
    if exact_max_rows is not None:
        group_neighbors.EXACT_MAX_ROWS = group_neighbors.CELL_SEARCH_MIN_ROWS = exact_max_rows
    if ceiling is not None:
        cell_search.MAX_CANDIDATES = ceiling
    try:
        yield
    finally:
        group_neighbors.EXACT_MAX_ROWS, group_neighbors.CELL_SEARCH_MIN_ROWS, cell_search.MAX_CANDIDATES = saved


def sampler_neighbors(sampler, X, y):
    """The sampler's ``GroupNeighbors`` of one ``fit_resample`` (the one its density and kNN use)."""
    with captured_neighbors() as made:
        sampler.fit_resample(X, y)
    if len(made) != 1:
        raise RuntimeError(f"expected one neighbour stage, the sampler made {len(made)}")
    return made[0]


# ------------------------------------------------------------------ measurements
def group_rows(stats, g):
    """Rows of X forming group g (host int64)."""
    groups = stats.groups
    order = stats.backend.to_host(groups.order)
    return np.asarray(order[groups.offsets[g] : groups.offsets[g] + groups.lengths[g]], dtype=np.int64)


def recall(stats, g, k, n_queries, rng):
    """recall@k and distance ratio of group g's kNN table against brute force, on sampled query rows."""
    X = np.asarray(stats.backend.to_host(stats.X), dtype=np.float64)
    points = X[group_rows(stats, g)]
    n = len(points)
    table, starts = stats.knn(np.array([g]))
    table = np.asarray(stats.backend.to_host(table))
    found = table[starts[0] : starts[0] + n, :k]
    queries = rng.choice(n, size=min(n_queries, n), replace=False)
    exact = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(points).kneighbors(points[queries])[1]
    hits, ratios = [], []
    for q, candidates, mine in zip(queries, exact, found[queries]):
        truth = [c for c in candidates if c != q][:k]
        if q in mine:
            raise RuntimeError(f"group {g}: row {q} is its own neighbour")
        hits.append(len(set(truth) & set(mine.tolist())) / k)
        near = np.linalg.norm(points[truth] - points[q], axis=1).mean()
        ratios.append(np.linalg.norm(points[mine] - points[q], axis=1).mean() / near if near > 0 else 1.0)
    hits = np.asarray(hits)
    return {
        "rows": n,
        "queries": len(queries),
        "recall": round(float(hits.mean()), 5),
        "recall_min": round(float(hits.min()), 3),
        "queries_below_0.8": int((hits < 0.8).sum()),
        "distance_ratio": round(float(np.mean(ratios)), 5),
    }


def sum_errors(stats, group_ids, seeds):
    """Relative error of the sampled distance sums against the exact ones, per group and seed.

    Groups of up to ``F64_CHECK_MAX_ROWS`` rows also check the exact sums themselves
    against SciPy's float64 ``pdist`` (``exact_sum_f64_error``).
    """
    exact = fresh_neighbors(stats, "exact", 0).distance_sums(group_ids)
    errors = np.array([fresh_neighbors(stats, "auto", s).distance_sums(group_ids) / exact - 1 for s in seeds])
    per_group = {
        str(int(g)): {
            "rows": int(stats.groups.lengths[g]),
            "errors": [round(float(e), 6) for e in errors[:, i]],
            "mean": round(float(errors[:, i].mean()), 6),
            "std": round(float(errors[:, i].std(ddof=1)), 6) if len(seeds) > 1 else None,
        }
        for i, g in enumerate(group_ids)
    }
    for g, total in zip(group_ids, exact):
        if stats.groups.lengths[g] <= F64_CHECK_MAX_ROWS:
            points = np.asarray(stats.backend.to_host(stats.X), dtype=np.float64)[group_rows(stats, g)]
            per_group[str(int(g))]["exact_sum_f64_error"] = float(total / (2 * pdist(points).sum()) - 1)
    overall = {
        "mean": round(float(errors.mean()), 6),
        "std": round(float(errors.std(ddof=1)), 6) if errors.size > 1 else None,
        "rms": round(float(np.sqrt((errors**2).mean())), 6),
        "max_abs": round(float(np.abs(errors).max()), 6),
    }
    return per_group, overall


def fresh_neighbors(stats, search, seed):
    """A new ``GroupNeighbors`` on the captured one's data and groups."""
    return group_neighbors.GroupNeighbors(stats.backend, stats.X, stats.groups, 0, search=search, seed=seed)


def measure(stats, group_ids, k, n_queries, seeds, sums_max_rows):
    """Recall per group, its summary, and the sums' errors (groups of up to ``sums_max_rows`` rows)."""
    if len(group_ids) == 0:
        return {"groups_measured": 0}
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    per_group = {str(int(g)): recall(stats, g, k, n_queries, rng) for g in group_ids}
    recall_s = time.perf_counter() - started
    summed = group_ids[stats.groups.lengths[group_ids] <= sums_max_rows]
    sums, overall = sum_errors(stats, summed, seeds) if summed.size else ({}, None)
    for g, errors in sums.items():
        per_group[g]["sum_relative_error"] = errors
    queries = np.array([v["queries"] for v in per_group.values()])
    recalls = np.array([v["recall"] for v in per_group.values()])
    return {
        "groups_measured": len(group_ids),
        "recall_mean": round(float((recalls * queries).sum() / queries.sum()), 5),
        "recall_worst_group": round(float(recalls.min()), 5),
        "distance_ratio_worst_group": max(v["distance_ratio"] for v in per_group.values()),
        "sum_relative_error": overall,
        "sums_skipped_groups_over": None if summed.size == len(group_ids) else sums_max_rows,
        "recall_seconds": round(recall_s, 1),
        "groups": per_group,
    }


def describe(stats, minority_code):
    """Sizes of the groups: the largest, and the largest of the minority class."""
    lengths, klass = stats.groups.lengths, stats.groups.klass
    return {
        "n_groups": len(lengths),
        "largest_group": int(lengths.max()),
        "largest_minority_group": int(lengths[klass == minority_code].max()),
        "minority_group_rows": sorted(int(n) for n in lengths[klass == minority_code]),
    }


def samplers():
    return {
        "kmeans_smote": lambda: gpu_clover.KMeansSMOTE(backend="numpy", random_state=0, raise_error=False),
        "smote": lambda: gpu_clover.SMOTE(backend="numpy", random_state=0),
    }


# ------------------------------------------------------------------ the two parts
def large_part(rows, k, n_queries, seeds, sums_max_rows):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows, n_features=20, n_informative=10, weights=[0.95], n_clusters_per_class=4, random_state=0
    )
    X = X.astype(np.float32)
    minority = int(np.argmin(np.bincount(y)))
    out = {
        "rows": rows,
        "exact_max_rows": group_neighbors.EXACT_MAX_ROWS,
        "max_candidates": cell_search.MAX_CANDIDATES,
        "recall_target": cell_search.RECALL_TARGET,
    }
    for name, make in samplers().items():
        stats = sampler_neighbors(make(), X, y)
        code = int(np.flatnonzero(stats.groups.classes == minority)[0])
        large = np.flatnonzero((stats.groups.klass == code) & (stats.groups.lengths > group_neighbors.EXACT_MAX_ROWS))
        out[name] = {**describe(stats, code), **measure(stats, large, k, n_queries, seeds, sums_max_rows)}
        print(f"large {name}: recall {out[name].get('recall_mean')}", file=sys.stderr)
    return out


def small_part(configs, k, n_queries, seeds, sums_max_rows):
    from quality import load_problems
    from sklearn.preprocessing import StandardScaler

    out = {"problems": {}, "configs": {}}
    problems = load_problems(seed=0)
    for problem, (_, X, y) in problems.items():
        X = StandardScaler().fit_transform(X)
        out["problems"][problem] = {"rows": len(y), "minority": int(y.sum())}
        for name, make in samplers().items():
            stats = sampler_neighbors(make(), X, y)
            out["problems"][problem][name] = describe(stats, int(np.flatnonzero(stats.groups.classes == 1)[0]))
        for config in configs:
            limit, ceiling = config
            key = f"{limit}:{ceiling or 'default'}"
            for name, make in samplers().items():
                with limits(limit, ceiling):
                    stats = sampler_neighbors(make(), X, y)
                    large = np.flatnonzero(stats.groups.lengths > limit)
                    if large.size:
                        result = measure(stats, large, k, n_queries, seeds, sums_max_rows)
                        out["configs"].setdefault(key, {}).setdefault(name, {})[problem] = result
    for by_sampler in out["configs"].values():
        for results in by_sampler.values():
            results["all"] = pooled(results)
    print(
        f"small: {json.dumps({c: {s: r['all'] for s, r in v.items()} for c, v in out['configs'].items()})}",
        file=sys.stderr,
    )
    out["over_exact_limit"] = sorted(
        p
        for p, v in out["problems"].items()
        if max(v[s]["largest_group"] for s in samplers()) > group_neighbors.EXACT_MAX_ROWS
    )
    return out


def pooled(results):
    """Recall over every measured query of every problem, and the sums' errors over every group and seed."""
    groups = [g for r in results.values() for g in r["groups"].values()]
    queries = np.array([g["queries"] for g in groups])
    recalls = np.array([g["recall"] for g in groups])
    errors = np.array([e for g in groups if "sum_relative_error" in g for e in g["sum_relative_error"]["errors"]])
    return {
        "groups": len(groups),
        "recall_mean": round(float((recalls * queries).sum() / queries.sum()), 5),
        "recall_worst_group": round(float(recalls.min()), 5),
        "sum_error_mean": round(float(errors.mean()), 6),
        "sum_error_std": round(float(errors.std(ddof=1)), 6) if errors.size > 1 else None,
        "sum_error_rms": round(float(np.sqrt((errors**2).mean())), 6),
    }


def parse_config(text):
    """``"256:64"`` -> ``(256, 64)``; ``"256:default"`` or ``"256"`` -> ``(256, None)``."""
    limit, _, ceiling = text.partition(":")
    try:
        return int(limit), (None if ceiling in ("", "default") else int(ceiling))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LIMIT:CEILING, got {text!r}") from None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated data (part a)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--queries", type=int, default=2000, help="query rows drawn per group")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds of the sampled sums")
    parser.add_argument(
        "--small", type=parse_config, nargs="+", default=[(256, None), (64, None), (64, 256)], metavar="LIMIT:CEILING",
        help="lowered exact limits and ceilings for the quality problems (default: 256:default 64:default 64:256)",
    )  # fmt: skip
    parser.add_argument(
        "--sums-max-rows", type=int, default=200_000, help="the sums' errors only for groups up to this many rows"
    )
    parser.add_argument("--skip-large", action="store_true", help="only the quality problems")
    parser.add_argument("--skip-small", action="store_true", help="only the generated data")
    parser.add_argument("--out", help="also write the JSON document to this file")
    args = parser.parse_args()

    started = time.perf_counter()
    report = {
        "benchmark": "neighbour recall and sampled distance sums (issue 14)",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gpu_clover": package_source(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "k": args.k,
        "queries_per_group": args.queries,
        "seeds": args.seeds,
        "density_pairs": group_neighbors.DENSITY_PAIRS,
        "cell_rows": cell_search.CELL_ROWS,
    }
    if not args.skip_large:
        report["large"] = large_part(args.rows, args.k, args.queries, args.seeds, args.sums_max_rows)
    if not args.skip_small:
        report["small"] = small_part(args.small, args.k, args.queries, args.seeds, args.sums_max_rows)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
