# TopEx: explore where a text classifier fails, name the failure clusters, and fill the gaps.
#
#   snakemake --cores all                                   offline default (config/config.yaml)
#   snakemake --cores all --configfile config/paper.yaml    the paper's grid (needs the hub)
#   snakemake --report results/report.html                  browsable report of figures and tables
import os
import sys

import yaml
from snakemake.utils import min_version, validate

# This workflow's own package (workflow/topex) comes first, here and in the jobs' scripts, before
# any installed copy (an editable install of another checkout would otherwise win).
_package = os.path.join(workflow.basedir, "workflow")
sys.path.insert(0, _package)
_pythonpath = os.environ.get("PYTHONPATH", "")
if _pythonpath.split(os.pathsep)[0] != _package:
    os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [_package, _pythonpath])))
from topex.config_checks import check_config, drop_removed

min_version("9.0")


# A --configfile on the command line replaces the default rather than merging into it:
# merging would add the default's datasets to the paper's grid. Without one, config/local.yaml
# (ignored by git) is merged over the default when present: a user's own datasets and settings
# without a copy of the whole config (a dataset or LLM set to null there is left out).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"

    if os.path.isfile("config/local.yaml"):

        configfile: "config/local.yaml"


drop_removed(config)
with open(os.path.join(workflow.basedir, "config/schema.yaml")) as _schema:
    check_config(config, yaml.safe_load(_schema))
validate(config, schema="config/schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/classify.smk"
include: "workflow/rules/explore.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/augment.smk"
include: "workflow/rules/quality.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/retrain.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
