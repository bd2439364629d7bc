"""``gpu-clover demo``: each over-sampler on built-in data, scored by a downstream classifier."""

import sys
import warnings

from ._errors import one_line, resolve_backend
from ._figures import check_json_path, machine_facts, provenance, write_json
from ._progress import Progress
from ._report import Report

DEMO_HEADERS = {"balanced_accuracy": "balanced acc.", "f1": "F1", "g_mean": "G-mean"}


def run_demo(args):
    progress = Progress.for_command(args.quiet)
    to_stdout = args.json == "-"
    report = Report(progress, None if to_stdout else sys.stdout, held=args.quiet)
    check_json_path(args.json)
    folds = 5
    report.line(
        f"gpu-clover demo: {args.dataset} data; each method scored by a logistic regression, "
        f"{folds}-fold cross-validation"
    )
    with progress.task("loading scikit-learn and gpu_clover"):
        import numpy as np
        from imblearn.metrics import geometric_mean_score
        from imblearn.over_sampling import SMOTE as ImblearnSMOTE
        from imblearn.pipeline import make_pipeline
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import make_scorer
        from sklearn.model_selection import StratifiedKFold, cross_validate
        from sklearn.preprocessing import StandardScaler

        import gpu_clover

        backend = resolve_backend(args.backend)
        X, y, description = _demo_data(args.dataset, args.rows, args.random_state)
    seed = args.random_state
    methods = {
        "no over-sampling": None,
        "imblearn SMOTE": ImblearnSMOTE(random_state=seed),
        "gpu_clover SMOTE": gpu_clover.SMOTE(random_state=seed, backend=args.backend),
        "gpu_clover KMeansSMOTE": gpu_clover.KMeansSMOTE(random_state=seed, backend=args.backend),
        "gpu_clover SOMO": gpu_clover.SOMO(random_state=seed, backend=args.backend),
        "gpu_clover GeometricSOMO": gpu_clover.GeometricSOMO(random_state=seed, backend=args.backend),
    }
    scoring = {
        "balanced_accuracy": "balanced_accuracy",
        "f1": "f1",
        "g_mean": make_scorer(geometric_mean_score),
    }
    result = {
        "data": description,
        "classes": {str(label): int(count) for label, count in zip(*np.unique(y, return_counts=True))},
        "classifier": f"StandardScaler + LogisticRegression, {folds}-fold stratified cross-validation",
        "backend": backend.name,
        "device": backend.device_name(),
        "results": [],
    }
    name_width = max(len(name) for name in methods)
    for line in _demo_header(result, scoring, name_width):
        report.line(line)

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with progress.task("cross-validating", total=len(methods)):
        for name, sampler in methods.items():
            progress.relabel(f"{name} ({folds} folds)")
            steps = (
                [StandardScaler()] + ([sampler] if sampler is not None else []) + [LogisticRegression(max_iter=1000)]
            )
            row = {"method": name}
            try:
                with warnings.catch_warnings(), progress.listening(stage_lines=False):
                    warnings.simplefilter("ignore")
                    scores = cross_validate(make_pipeline(*steps), X, y, cv=cv, scoring=scoring, error_score="raise")
            except (ValueError, TypeError, RuntimeError) as error:
                row["error"] = one_line(error)
            else:
                for metric in scoring:
                    values = scores[f"test_{metric}"]
                    row[metric] = {"mean": float(values.mean()), "std": float(values.std())}
                row["fit_seconds"] = float(scores["fit_time"].mean())
            result["results"].append(row)
            report.line(_demo_row(row, scoring, name_width))
            progress.advance()
    write_json(args.json, {**result, "gpu_clover": provenance(), "machine": machine_facts()}, report)
    report.release()
    return 0


def _demo_data(dataset, rows, seed):
    """A binary imbalanced problem (minority label 1) and a one-line description."""
    import numpy as np

    if dataset == "breast-cancer":
        from sklearn.datasets import load_breast_cancer

        X, target = load_breast_cancer(return_X_y=True)
        y = (target == 0).astype(np.int64)  # malignant is label 0 in scikit-learn: make it the minority, 1
        malignant, benign = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        kept = np.random.default_rng(seed).choice(malignant, size=len(benign) // 10, replace=False)
        rows_kept = np.sort(np.concatenate([benign, kept]))
        X, y = X[rows_kept], y[rows_kept]
        return X, y, f"breast cancer (scikit-learn), malignant thinned: {X.shape[0]} rows x {X.shape[1]} features"
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows,
        n_features=10,
        n_informative=6,
        n_redundant=2,
        n_clusters_per_class=3,
        weights=[0.95],
        class_sep=1.0,
        flip_y=0.0,
        random_state=seed,
    )
    return X, y, f"generated, 3 sub-clusters per class: {X.shape[0]} rows x {X.shape[1]} features"


def _demo_header(result, scoring, name_width):
    return [
        f"  data: {result['data']}; classes {result['classes']}",
        f"  model: {result['classifier']}; backend {result['backend']} on {result['device']}",
        "",
        f"{'method':<{name_width}}  " + "  ".join(f"{DEMO_HEADERS[m]:<15}" for m in scoring) + "  fit s/fold",
    ]


def _demo_row(row, scoring, name_width):
    if "error" in row:
        return f"{row['method']:<{name_width}}  failed: {row['error']}"
    cells = [f"{row[m]['mean']:.3f} ± {row[m]['std']:.3f}" for m in scoring]
    return f"{row['method']:<{name_width}}  " + "  ".join(f"{c:<15}" for c in cells) + f"  {row['fit_seconds']:.3f}"
