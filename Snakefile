# TopEx: explore where a text classifier fails, name the failure clusters, and fill the gaps.
#
#   snakemake --cores all                                   offline default (config/config.yaml)
#   snakemake --cores all --configfile config/paper.yaml    the paper's grid (needs the hub)
#   snakemake --report results/report.html                  browsable report of figures and tables
from snakemake.utils import min_version, validate

min_version("9.0")


# A --configfile on the command line replaces the default rather than merging into it:
# merging would add the default's datasets to the paper's grid.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


validate(config, schema="config/schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/classify.smk"
include: "workflow/rules/explore.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/augment.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/retrain.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
