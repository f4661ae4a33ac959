"""Make a generator's GGUF file available under resources/llm/."""

from topex.llm import prepare_model
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    key = f"llms.{snakemake.wildcards.llm}.model"
    path = prepare_model(dict(snakemake.params.model), snakemake.output[0], key)
    log.info("%s ready at %s (-> %s)", key, path, path.resolve())
