"""TopEx: explore where a text classifier fails, name the failure clusters, and fill the gaps.

One concept per module:

- ``io``           atomic writes of tables, JSON, JSONL and arrays (never a half-written result)
- ``logs``         send a Snakemake job's output to its log file
- ``models``       resolve model specs: pip-shipped packages, local paths, hub ids
- ``data``         load datasets (hub, local files, pip-shipped corpora) and split them
- ``classifier``   fine-tune a BERT-family classifier and run it over a split
- ``embeddings``   sentence embeddings from the local encoder (naming, the filter, the judge)
- ``explorer``     normalise outputs, cluster them (OPTICS, HDBSCAN, errors only), find candidates, coverage
- ``naming``       name clusters with BERTopic's c-TF-IDF on the clusters we already have
- ``projection``   SparsePCA projection of the output space to 2D
- ``exploration``  the Explorer stage as a whole (the four modules above, in order)
- ``plots``        the Explorer's figures
- ``scoring``      the cluster scorers of paper §2.3, as pure functions
- ``selection``    score the candidates with one scorer, choose one, explain why
- ``chosen``       the clusters the scorers chose for a seed (score/chosen.json)
- ``prompts``      the Augmenter's prompts per task shape, zero- and few-shot
- ``cleaning``     clean LLM output and accept or reject it with a reason
- ``llm``          prepare and open GGUF models with llama.cpp
- ``llm_naming``   LLM-written cluster names (naming.method: llm)
- ``attempts``     the attempt loop of the Augmenter and the baselines: until n accepted, every attempt recorded
- ``augmenter``    generate new points for a chosen cluster
- ``judge``        the independent label judge: a linear head on the explore split's sentence embeddings
- ``screening``    the generation filter's near-copy and label checks
- ``generation_quality`` label agreement, on-topic rate, diversity and near-copies of the generations
- ``table3``       the paper's Table 3: generations beside their most similar originals, rejected attempts
- ``controls``     oracle and random control points
- ``retrain``      retrain with added points: full, continue, head or top mode; one cell's metrics per count
- ``top``          the top mode: the base model's head (and top layers) on cached representations
- ``regions``      in-group evaluation regions: the test points around a chosen cluster
- ``cells``        one row per retrained cell, paired with its seed's control and random control
- ``tables``       Tables 1 and 2, the effects, power and noise tables
- ``planting``     planted failures with known members (the discovery benchmark)
- ``discovery``    precision, recall and hit rate of the Explorer on planted failures
- ``stats``        paired statistics over seeds
- ``config_checks`` start-up checks of the config that name the offending key
"""

__version__ = "0.1.0"
