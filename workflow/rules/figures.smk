rule explorer_figures:
    """The output-space map (paper Fig. 2, the reference scorer's chosen cluster marked) and the
    cluster composition chart (paper Fig. 5)."""
    input:
        points=seed_dir("explore/points.parquet"),
        clusters=seed_dir("explore/clusters.csv"),
        score=seed_dir(f"score/{REFERENCE_SCORER}.json"),
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
        "../envs/report.yaml"
    params:
        scorer=REFERENCE_SCORER,
    script:
        "../scripts/explorer_figures.py"
