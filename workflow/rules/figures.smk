rule explorer_figures:
    """The output-space map (paper Fig. 2) and the cluster composition chart (paper Fig. 5)."""
    input:
        points=seed_dir("explore/points.parquet"),
        clusters=seed_dir("explore/clusters.csv"),
    output:
        output_space=report(
            seed_dir("figures/output_space.png"),
            caption="../report/output_space.rst",
            category="Explorer",
            subcategory="{dataset} seed {seed}",
        ),
        composition=report(
            seed_dir("figures/cluster_composition.png"),
            caption="../report/cluster_composition.rst",
            category="Explorer",
            subcategory="{dataset} seed {seed}",
        ),
    log:
        seed_dir("logs/explorer_figures.log"),
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/explorer_figures.py"
