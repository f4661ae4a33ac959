rule tables:
    """Paired multi-seed statistics of every cell; the paper's Tables 1 and 2."""
    input:
        per_seed(f"retrain~{MODE}/cells.csv"),
    output:
        cells="results/tables/cells.csv",
        effects=report(
            "results/tables/effects.csv",
            caption="../report/effects.rst",
            category="Results",
        ),
        effects_md="results/tables/effects.md",
        table1=report(
            "results/tables/table1.csv",
            caption="../report/table1.rst",
            category="Results",
        ),
        table1_md="results/tables/table1.md",
        table2=report(
            "results/tables/table2.csv",
            caption="../report/table2.rst",
            category="Results",
        ),
        table2_md="results/tables/table2.md",
    log:
        "results/tables/logs/tables.log",
    conda:
        "../envs/report.yaml"
    params:
        reference_scorer=REFERENCE_SCORER,
        scorers=SCORERS,
        table1_llm=TABLE1_LLM,
        baselines=config["baselines"]["methods"],
        not_run=NOT_RUN,
        counts=[int(n) for n in COUNTS],
        seeds=len(SEEDS),
    script:
        "../scripts/tables.py"


rule planted_failures:
    """Whether the base classifier fails on each planted dataset's slice, per seed: slice and
    out-of-slice test accuracy with bootstrap intervals, and Domino's verdict (topex.answer_key).
    Evaluation: it reads the answer keys, which no rule of the method reads."""
    input:
        answer_keys=expand("results/{dataset}/data/answer_key.json", dataset=PLANTED),
        outputs=expand(
            seed_dir("base/outputs/test.parquet"), dataset=PLANTED, seed=SEEDS
        ),
    output:
        csv=report(
            "results/tables/planted_failures.csv",
            caption="../report/planted_failures.rst",
            category="Known answer",
        ),
        md="results/tables/planted_failures.md",
    log:
        "results/tables/logs/planted_failures.log",
    conda:
        "../envs/report.yaml"
    params:
        datasets=PLANTED,
        dataset_seeds=[[dataset, int(seed)] for dataset in PLANTED for seed in SEEDS],
    script:
        "../scripts/planted_failures.py"


rule known_answer:
    """Does each scorer's chosen cluster hit the planted slice? Per planted dataset, seed and
    scorer: the cluster's size, slice precision, hit (precision >= 0.5; P@10 >= 0.8), the
    candidates' recall of the slice's misclassified points, and the hit rate over the seeds that
    fail (topex.answer_key); and each planted dataset's map with the slice marked. Evaluation: it
    reads the answer keys."""
    input:
        answer_keys=expand("results/{dataset}/data/answer_key.json", dataset=PLANTED),
        failures="results/tables/planted_failures.csv",
        points=expand(seed_dir("explore/points.parquet"), dataset=PLANTED, seed=SEEDS),
        chosen=expand(seed_dir("score/chosen.json"), dataset=PLANTED, seed=SEEDS),
        map_clusters=expand(
            seed_dir("explore/clusters.csv"), dataset=PLANTED, seed=FIRST_SEED
        ),
    output:
        maps=report(
            expand("results/figures/{dataset}/slice_map.png", dataset=PLANTED),
            caption="../report/slice_map.rst",
            category="Known answer",
        ),
        csv=report(
            "results/tables/known_answer.csv",
            caption="../report/known_answer.rst",
            category="Known answer",
        ),
        md="results/tables/known_answer.md",
    log:
        "results/tables/logs/known_answer.log",
    conda:
        "../envs/report.yaml"
    params:
        datasets=PLANTED,
        dataset_seeds=[[dataset, int(seed)] for dataset in PLANTED for seed in SEEDS],
        scorers=SCORERS,
        reference_scorer=REFERENCE_SCORER,
        first_seed=int(FIRST_SEED),
    script:
        "../scripts/known_answer.py"


rule slice_effects:
    """Table 2 on each planted slice: per method and n, the slice's test accuracy, its paired
    deltas to the control and to random (95 % intervals, verdicts), and the rest's delta (harm),
    over the seeds that fail, opened by whether the positive control shows; and its figure, slice
    accuracy against n per method, seeds as dots. Evaluation: it reads the answer keys' results.
    """
    input:
        failures="results/tables/planted_failures.csv",
        cells=expand(
            seed_dir(f"retrain~{MODE}/slice_cells.csv"),
            dataset=PLANTED,
            seed=SEEDS,
        ),
    output:
        csv=report(
            "results/tables/slice_effects.csv",
            caption="../report/slice_effects.rst",
            category="Known answer",
        ),
        md="results/tables/slice_effects.md",
        figure=report(
            "results/figures/slice_accuracy.png",
            caption="../report/slice_accuracy.rst",
            category="Known answer",
        ),
    log:
        "results/tables/logs/slice_effects.log",
    conda:
        "../envs/report.yaml"
    params:
        mode=MODE,
        reference_scorer=REFERENCE_SCORER,
        seeds=len(SEEDS),
        largest=max(int(n) for n in COUNTS),
    script:
        "../scripts/slice_effects.py"


rule results_figures:
    """Performance vs added points against the baselines (Fig. 3/6) and the scorers (Table 1)."""
    input:
        table1="results/tables/table1.csv",
        table2="results/tables/table2.csv",
    output:
        performance=report(
            "results/figures/performance.png",
            caption="../report/performance.rst",
            category="Results",
        ),
        scorers=report(
            "results/figures/scorers.png",
            caption="../report/scorers.rst",
            category="Results",
        ),
    log:
        "results/figures/logs/results_figures.log",
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/results_figures.py"


rule dataset_figures:
    """Per dataset (first seed): the chosen cluster before and after (Fig. 2/4), the cluster
    composition (Fig. 5) and an interactive map of the output space."""
    input:
        unpack(dataset_figure_inputs),
    output:
        before_after=report(
            "results/figures/{dataset}/before_after.png",
            caption="../report/before_after.rst",
            category="Results",
            subcategory="{dataset}",
        ),
        composition=report(
            "results/figures/{dataset}/cluster_composition.png",
            caption="../report/cluster_composition.rst",
            category="Results",
            subcategory="{dataset}",
        ),
        interactive=report(
            "results/figures/{dataset}/output_space.html",
            caption="../report/interactive_map.rst",
            category="Results",
            subcategory="{dataset}",
        ),
    log:
        "results/figures/logs/{dataset}.log",
    conda:
        "../envs/report.yaml"
    params:
        seed=FIRST_SEED,
        scorer=REFERENCE_SCORER,
        normalise=config["explore"]["normalise"],
    script:
        "../scripts/dataset_figures.py"


rule figures:
    """Target: every table and figure, from the cached results (retrains nothing that exists)."""
    input:
        report_targets(),
