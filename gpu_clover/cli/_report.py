"""The human-readable report on stdout, and the summary that ends ``resample``'s."""


class Report:
    """The human-readable report on stdout, printed line by line as its parts become known,
    so that a terminal, a pipe or a CI log sees each line when it is ready.

    ``held``: lines are kept until :meth:`release` (``--quiet``: the results only once
    they are all in). ``stream=None``: nothing is printed (JSON on stdout instead).
    """

    def __init__(self, progress, stream, held=False):
        self.progress, self.stream, self.held = progress, stream, held
        self._lines = []

    def line(self, text):
        if self.stream is None:
            return
        if self.held:
            self._lines.append(text)
        else:
            self.progress.write(text, self.stream)

    def release(self):
        for text in self._lines:
            print(text, file=self.stream, flush=True)
        self._lines.clear()


def format_seconds(value):
    """A duration as the report shows it: milliseconds below one second, else seconds."""
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def summary(sampler, y_before, y_after, stages):
    """The lines that end ``resample``'s report: rows and classes before and after, clusters, times."""
    before, after = y_before.value_counts(), y_after.value_counts()
    labels = sorted(after.index.tolist(), key=lambda label: (-int(before.get(label, 0)), str(label)))
    width = max([5] + [len(str(label)) for label in labels])
    lines = [
        f"  rows      {len(y_before)} -> {len(y_after)} (+{len(y_after) - len(y_before)} synthetic)",
        f"  {'class':<{width}}  {'before':>10}  {'after':>10}  {'added':>10}",
    ]
    for label in labels:
        n_before, n_after = int(before.get(label, 0)), int(after[label])
        lines.append(f"  {label!s:<{width}}  {n_before:>10}  {n_after:>10}  {n_after - n_before:>10}")
    lines += _cluster_lines(sampler, y_before)
    lines.append("  time      " + ", ".join(f"{stage} {format_seconds(seconds)}" for stage, seconds in stages.items()))
    return lines


def _cluster_lines(sampler, y):
    """What the clustering and the imbalance filter did, in words that cannot be read as one count.

    Clusters are the clusterer's; the filter judges (cluster, class) groups of the
    over-sampled classes, several per cluster with several such classes. With
    ``size_ratio`` > 0 the groups that fail the filter still get rows by their size,
    so more clusters may receive rows than groups passed.
    """
    if sampler.clusterer_ is None:
        return ["  clusters  none (this method does not cluster)"]
    import numpy as np

    labels = np.asarray(_host_array(sampler.labels_))
    distributor = sampler.distributor_
    used = {cluster for (cluster, _), share in distributor.intra_distribution_.items() if share > 0}
    for ((cluster1, _), (cluster2, _)), share in distributor.inter_distribution_.items():
        if share > 0:
            used.update((cluster1, cluster2))
    majority = set(distributor.majority_class_labels_)
    classes = np.asarray(y)
    minority_rows = ~np.isin(classes, list(majority))
    groups = {(cluster, label) for cluster, label in zip(labels[minority_rows].tolist(), classes[minority_rows])}
    n_minority_classes = len({label for _, label in groups})
    which = "the minority class" if n_minority_classes == 1 else f"the {n_minority_classes} minority classes"
    filtered = (
        f"  filter    {len(distributor.filtered_clusters_)} of {len(groups)} (cluster, class) groups of {which} "
        "passed the imbalance filter"
    )
    size_ratio = distributor.size_ratio_
    if size_ratio > 0:
        filtered += f"; with size_ratio {size_ratio:g}, every group also gets rows by its size"
    return [f"  clusters  {len(np.unique(labels))} found; synthetic rows in {len(used)} of them", filtered]


def _host_array(a):
    return a.get() if hasattr(a, "get") and type(a).__module__.startswith("cupy") else a
