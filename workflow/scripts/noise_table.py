"""Tabulate the noise study: control spread and paired oracle / random effects per mode."""

from pathlib import Path

import numpy as np
import pandas as pd

from topex import io, stats
from topex.logs import log_to

with log_to(snakemake.log[0]):
    records = [io.read_json(path) for path in snakemake.input]
    frame = pd.DataFrame([r for r in records if "accuracy" in r])
    rows = []
    for dataset in snakemake.params.datasets:
        for mode in snakemake.params.modes:
            cells = frame[(frame["dataset"] == dataset) & (frame["mode"] == mode)]
            control = cells[cells["method"] == "control"].set_index("seed")["accuracy"].to_dict()
            row = {"dataset": dataset, "mode": mode, "seeds": len(control),
                   "control_accuracy": np.mean(list(control.values())),
                   "control_sd": np.std(list(control.values()), ddof=1) if len(control) > 1 else np.nan}
            for method in ("oracle", "random"):
                treated = cells[cells["method"] == method].set_index("seed")["accuracy"].to_dict()
                deltas = stats.paired_deltas(treated, control)
                mean, low, high = stats.mean_interval(deltas)
                row.update({f"{method}_delta": mean, f"{method}_low": low, f"{method}_high": high,
                            f"{method}_p": stats.sign_flip_p(deltas), f"{method}_verdict": stats.verdict(low, high)})
            timed = cells[cells["method"] != "control"]
            row["seconds_per_cell"] = timed["seconds"].mean() if "seconds" in timed else np.nan
            rows.append(row)
    table = pd.DataFrame(rows)
    io.write_csv(table.round(5), snakemake.output.csv)
    with io.atomic_path(snakemake.output.markdown) as tmp:
        Path(tmp).write_text(io.markdown_table(table) + "\n")
