"""One row per retrained cell of a (dataset, seed, mode), paired with that seed's control.

A generation file belongs to a cluster, and every scorer that chose the cluster shares it (it is
trained once); here it becomes one row per such scorer, so each scorer's results can be read
off directly. Baselines, the controls and the n = 0 control are scorer-independent: their
in-group accuracy is measured on the reference scorer's cluster (config
``retrain.reference_scorer``), the cluster they draw from. Every row carries its paired deltas,
overall (test) and in-group (the test points of the cluster's region, see :mod:`topex.regions`):

``delta``          accuracy minus the same seed's n = 0 control: what adding the points did;
``target_delta``   accuracy minus the same seed's *random* control at the same n: the targeting
                   effect. Adding any n points, and refitting at all (regression to the mean of a
                   region chosen for its errors), both move accuracy; the difference to random n
                   real points removes both. Left empty for the controls themselves.
Wall times stay in the logs: the same config gives the same cells.csv.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

GENERATED = re.compile(r"generated/cluster~(?P<cluster>\d+)/(?P<llm>[^/]+)/shots~(?P<shots>\d+)")
COLUMNS = [
    "dataset",
    "seed",
    "mode",
    "family",
    "method",
    "scorer",
    "llm",
    "shots",
    "cluster",
    "n",
    "accuracy",
    "delta",
    "target_delta",
    "in_group_accuracy",
    "in_group_delta",
    "in_group_target_delta",
    "in_group_n",
    "skipped",
]


def topex_method(llm: str, shots: int) -> str:
    return f"topex/{llm}/shots~{shots}"


def _group(metrics: dict, cluster) -> tuple[float, int]:
    """A cell's accuracy on the region of ``cluster`` and the number of test points it holds."""
    entry = metrics.get("group", {}).get(str(cluster)) if cluster is not None and not pd.isna(cluster) else None
    return (entry["accuracy"], entry["n"]) if entry else (np.nan, 0)


def cell_rows(
    cells: list[dict],
    chosen: dict[str, int | None],
    reference_scorer: str,
    generations: list[tuple[str, int]],
    counts: list[int],
) -> pd.DataFrame:
    """The rows of one (dataset, seed, mode) from its metrics records (the control's among them).

    A scorer that chose no cluster still gets its rows (every LLM, shots and count of
    ``generations`` × ``counts``), marked skipped, so that tables count the seed as skipped
    rather than silently averaging over fewer seeds.
    """
    controls = [m for m in cells if m["method"] == "control"]
    if len(controls) != 1:
        raise ValueError(f"expected one n = 0 control among the cells, found {len(controls)}")
    control = controls[0]
    reference = chosen.get(reference_scorer)
    rows = []
    for metrics in cells:
        base = {key: metrics[key] for key in ("dataset", "seed", "mode", "n")}
        base.update(accuracy=metrics.get("accuracy", np.nan), skipped=metrics.get("skipped", ""))
        generated = GENERATED.fullmatch(metrics["method"])
        if generated:
            cluster, llm, shots = int(generated["cluster"]), generated["llm"], int(generated["shots"])
            rows += [
                {
                    **base,
                    "family": "topex",
                    "method": topex_method(llm, shots),
                    "scorer": scorer,
                    "llm": llm,
                    "shots": shots,
                    "cluster": cluster,
                    **_in_group(metrics, control, cluster),
                }
                for scorer in sorted(s for s, c in chosen.items() if c == cluster)
            ]
        else:
            rows.append(
                {
                    **base,
                    "family": metrics["method"],
                    "method": metrics["method"],
                    "scorer": "",
                    "llm": "",
                    "shots": np.nan,
                    "cluster": reference,
                    **_in_group(metrics, control, reference),
                }
            )
    for scorer in sorted(s for s, c in chosen.items() if c is None):
        rows += [
            {
                "dataset": control["dataset"],
                "seed": control["seed"],
                "mode": control["mode"],
                "n": n,
                "accuracy": np.nan,
                "skipped": "no candidate cluster chosen",
                "family": "topex",
                "method": topex_method(llm, shots),
                "scorer": scorer,
                "llm": llm,
                "shots": shots,
                "cluster": None,
                "in_group_accuracy": np.nan,
                "in_group_n": 0,
                "in_group_delta": np.nan,
            }
            for llm, shots in generations
            for n in counts
        ]
    frame = pd.DataFrame(rows)
    frame["delta"] = frame["accuracy"] - control["accuracy"]
    randoms = {m["n"]: m for m in cells if m["method"] == "random" and "accuracy" in m}
    targeted = ~frame["family"].isin(["control", "random"])
    frame["target_delta"] = [
        accuracy - randoms[n]["accuracy"] if keep and n in randoms else np.nan
        for accuracy, n, keep in zip(frame["accuracy"], frame["n"], targeted)
    ]
    frame["in_group_target_delta"] = [
        accuracy - _group(randoms[n], cluster)[0] if keep and n in randoms else np.nan
        for accuracy, n, cluster, keep in zip(frame["in_group_accuracy"], frame["n"], frame["cluster"], targeted)
    ]
    frame["cluster"] = frame["cluster"].astype("Int64")
    return frame[COLUMNS]


def _in_group(metrics: dict, control: dict, cluster) -> dict:
    """Accuracy on the cluster's points, and its paired delta to the control's."""
    accuracy, n = _group(metrics, cluster)
    return {"in_group_accuracy": accuracy, "in_group_n": n, "in_group_delta": accuracy - _group(control, cluster)[0]}
