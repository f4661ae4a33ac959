"""Performance vs added points (Fig. 3/6) and the scorer comparison (Table 1 as bars)."""

import pandas as pd

from topex import plots
from topex.logs import log_to

with log_to(snakemake.log[0]):
    table2 = pd.read_csv(snakemake.input.table2, keep_default_na=False, na_values=[""])
    plots.performance(table2, snakemake.output.performance)
    plots.scorer_bars(pd.read_csv(snakemake.input.table1), snakemake.output.scorers)
