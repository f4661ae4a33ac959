"""Which heavy packages a workflow job imported: Python loads this module at start-up in every
process of a test run that puts this folder on PYTHONPATH and names a folder in
TOPEX_IMPORT_AUDIT. At exit, a Snakemake script job (its ``snakemake`` object is a global of
``__main__``) writes its rule, its wildcards and the heavy packages it imported to ``<rule>-<pid>.json`` there
(tests/test_imports.py reads them)."""

import atexit
import json
import os
import sys

HEAVY = ("torch", "transformers", "sentence_transformers")


def _record() -> None:
    job = getattr(sys.modules.get("__main__"), "snakemake", None)
    rule = getattr(job, "rule", None)
    if rule is None:
        return
    imported = sorted(name for name in HEAVY if name in sys.modules)
    wildcards = {key: str(value) for key, value in job.wildcards.items()}
    path = os.path.join(os.environ["TOPEX_IMPORT_AUDIT"], f"{rule}-{os.getpid()}.json")
    with open(path, "w") as out:
        json.dump({"rule": rule, "wildcards": wildcards, "imported": imported}, out)


if os.environ.get("TOPEX_IMPORT_AUDIT"):
    atexit.register(_record)
