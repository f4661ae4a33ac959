"""TopEx: explore where a text classifier fails, name the failure clusters, and fill the gaps.

One concept per module:

- ``io``          atomic writes of tables, JSON and arrays (never a half-written result)
- ``logs``        send a Snakemake job's output to its log file
- ``models``      resolve model specs: pip-shipped packages, local paths, hub ids
- ``data``        load datasets (hub, local files, pip-shipped corpora) and split them
- ``classifier``  fine-tune a BERT-family classifier and run it over a split
- ``embeddings``  sentence embeddings from the local encoder (for cluster naming)
- ``explorer``    normalise outputs, cluster them with OPTICS, find candidate clusters
- ``naming``      name clusters with BERTopic's c-TF-IDF on the clusters we already have
- ``projection``  SparsePCA projection of the output space to 2D
- ``plots``       the Explorer's figures
"""

__version__ = "0.1.0"
