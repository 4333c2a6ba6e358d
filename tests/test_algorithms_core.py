"""The built-in algorithms' shared parts: recordIO-protobuf against the official SDK's own
encoder and decoder, the channel formats, hyperparameter validation and image selection."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from jupyter_smstudio.algorithms import algorithm_for_image, formats, recordio
from jupyter_smstudio.algorithms.metrics import MetricLogger, quality_metric, xgboost_metric
from jupyter_smstudio.algorithms.spec import AlgorithmError, AlgorithmSpec, Hyperparameter

common = pytest.importorskip("sagemaker.amazon.common", reason="the official SDK is not installed")


def _sdk_dense(X: np.ndarray, y: np.ndarray | None) -> bytes:
    buffer = io.BytesIO()
    common.write_numpy_to_dense_tensor(buffer, X, y)
    return buffer.getvalue()


def _sdk_sparse(X: sp.csr_matrix, y: np.ndarray | None) -> bytes:
    buffer = io.BytesIO()
    common.write_spmatrix_to_sparse_tensor(buffer, X, y)
    return buffer.getvalue()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])  # the SDK writes no int32
def test_dense_records_are_byte_identical_to_the_sdk_and_read_back(dtype: type) -> None:
    rng = np.random.default_rng(0)
    X = (rng.random((7, 4)) * 10).astype(dtype)
    y = rng.integers(0, 3, 7).astype(np.float32)
    ours = recordio.matrix_bytes(X, y)
    assert ours == _sdk_dense(X, y)
    M, labels = recordio.records_to_matrix(recordio.read_records(_sdk_dense(X, y)))
    np.testing.assert_array_equal(M, X)
    np.testing.assert_array_equal(labels, y)
    # And the SDK's decoder reads ours.
    decoded = common.read_records(io.BytesIO(ours))
    assert len(decoded) == 7
    assert list(decoded[0].label["values"].float32_tensor.values) == [y[0]]


def test_sparse_records_round_trip_both_ways() -> None:
    X = sp.random(6, 9, density=0.3, format="csr", random_state=1, dtype=np.float64)
    X[0, 8] = 1.5  # the widest column is present (and the shape still says 9)
    y = np.arange(6, dtype=np.float64)
    ours = recordio.matrix_bytes(X, y)
    assert ours == _sdk_sparse(X, y)
    M, labels = recordio.records_to_matrix(recordio.read_records(_sdk_sparse(X, y)))
    assert sp.issparse(M)
    assert M.shape == (6, 9)
    assert abs(M - X).max() == 0
    np.testing.assert_array_equal(labels, y)
    record = common.read_records(io.BytesIO(ours))[2]
    assert list(record.features["values"].float64_tensor.shape) == [9]


def test_int32_tensors_round_trip() -> None:
    X = np.array([[1, -2, 3], [2**31 - 1, 0, -(2**31)]], np.int32)
    M, _ = recordio.records_to_matrix(recordio.read_records(recordio.matrix_bytes(X)))
    np.testing.assert_array_equal(M, X)
    (record,) = common.read_records(io.BytesIO(recordio.matrix_bytes(X[:1])))
    assert list(record.features["values"].int32_tensor.values) == [1, -2, 3]


def test_unlabelled_records_and_bad_magic() -> None:
    X = np.ones((2, 3), np.float32)
    M, labels = recordio.records_to_matrix(recordio.read_records(_sdk_dense(X, None)))
    assert labels is None
    assert M.shape == (2, 3)
    with pytest.raises(recordio.RecordIOError, match="magic"):
        recordio.read_records(b"1,2,3\n4,5,6\n")


def test_predictions_as_records_decode_with_the_sdk() -> None:
    body = recordio.encode_predictions([{"closest_cluster": 2, "distance_to_cluster": 0.5}])
    (record,) = common.read_records(io.BytesIO(body))
    assert list(record.label["closest_cluster"].float32_tensor.values) == [2.0]
    assert list(record.label["distance_to_cluster"].float32_tensor.values) == [0.5]


def test_a_channel_of_several_files_in_each_format(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    X = rng.random((10, 3)).astype(np.float32)
    y = rng.integers(0, 2, 10).astype(np.float64)
    csv = tmp_path / "csv"
    csv.mkdir()
    for i, part in enumerate((slice(0, 4), slice(4, 10))):
        rows = np.column_stack([y[part], X[part]])
        (csv / f"part-{i}.csv").write_text("\n".join(",".join(map(str, r)) for r in rows))
    data = formats.read_channel(csv, "text/csv")
    np.testing.assert_allclose(data.X, X, rtol=1e-6)
    np.testing.assert_array_equal(data.y, y)
    unlabelled = formats.read_channel(csv, "text/csv;label_size=0")
    assert unlabelled.y is None
    assert unlabelled.n_features == 4

    libsvm = tmp_path / "libsvm"
    libsvm.mkdir()
    (libsvm / "a").write_text("1 0:1.5 2:3\n0 1:2\n")
    (libsvm / "b").write_text("1 4:1\n")  # wider: columns align to the widest file
    sparse = formats.read_channel(libsvm, "text/libsvm")
    assert sparse.X.shape == (3, 5)
    assert list(sparse.y) == [1, 0, 1]

    rio = tmp_path / "rio"
    rio.mkdir()
    (rio / "a.pbr").write_bytes(_sdk_dense(X[:5], y[:5]))
    (rio / "b.pbr").write_bytes(_sdk_dense(X[5:], y[5:]))
    records = formats.read_channel(rio, "application/x-recordio-protobuf")
    np.testing.assert_array_equal(records.X, X)
    np.testing.assert_array_equal(records.y, y)

    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    parquet = tmp_path / "parquet"
    parquet.mkdir()
    table = pa.table({"label": y, **{f"f{i}": X[:, i] for i in range(3)}})
    pq.write_table(table, parquet / "data.parquet")
    frame = formats.read_channel(parquet, "application/x-parquet")
    np.testing.assert_allclose(frame.X, X, rtol=1e-6)


def test_unreadable_data_is_a_client_error(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("label,x\n1,2\n")
    with pytest.raises(AlgorithmError, match=r"^ClientError: Unable to read .* as CSV"):
        formats.read_channel(tmp_path, "text/csv")
    with pytest.raises(AlgorithmError, match="No data found in channel 'train'"):
        formats.read_channel(tmp_path / "empty", "text/csv")
    with pytest.raises(AlgorithmError, match="not supported"):
        formats.read_channel(tmp_path, "image/png")


SPEC = AlgorithmSpec(
    name="demo",
    title="Demo",
    doc="",
    hyperparameters=(
        Hyperparameter("num_round", "int", "rounds", required=True, range=(1, None)),
        Hyperparameter("eta", "float", "step", default=0.3, range=(0, 1), exclusive_min=True),
        Hyperparameter("objective", "str", "loss", default="a", choices=("a", "b")),
        Hyperparameter("feature_dim", "int", "width", auto=True, default="auto"),
        Hyperparameter("flag", "bool", "flag", default=False),
        Hyperparameter("layers", "list", "sizes", item="int"),
    ),
)


def test_validation_types_fills_defaults_and_says_what_is_wrong() -> None:
    raw = {
        "num_round": "10",
        "eta": '"0.5"',
        "flag": "true",
        "layers": "[1, 2]",
        "sagemaker_x": "1",
    }
    assert SPEC.validate(raw) == {
        "num_round": 10,
        "eta": 0.5,
        "flag": True,
        "layers": [1, 2],
        "objective": "a",
        "feature_dim": "auto",
    }
    cases = {
        "Missing required hyperparameter: num_round": {},
        "num_round: 'x' is not an integer": {"num_round": "x"},
        "eta must be in (0, 1]": {"num_round": "1", "eta": "0"},
        "allowed values: a, b": {"num_round": "1", "objective": "c"},
        "'bogus' was unexpected": {"num_round": "1", "bogus": "1"},
    }
    for message, raw_values in cases.items():
        with pytest.raises(AlgorithmError) as err:
            SPEC.validate(raw_values)
        assert str(err.value).startswith("ClientError: ")
        assert message in str(err.value)
    assert json.loads(json.dumps(SPEC.to_json()))["hyperparameters"][1]["range"]["min"] == 0


def test_the_sdks_image_uris_select_the_algorithms() -> None:
    image_uris = pytest.importorskip("sagemaker.image_uris")
    expected = {
        ("xgboost", "1.7-1"): "xgboost",
        ("xgboost", "0.90-1"): "xgboost",
        ("xgboost", "1"): "xgboost",
        ("linear-learner", None): "linear-learner",
        ("kmeans", None): "kmeans",
        ("pca", None): "pca",
        ("knn", None): "knn",
        ("factorization-machines", None): "factorization-machines",
        ("randomcutforest", None): "randomcutforest",
        ("lda", None): "lda",
    }
    for (framework, version), name in expected.items():
        for region in ("us-east-1", "eu-west-1"):
            uri = image_uris.retrieve(framework, region, version)
            assert algorithm_for_image(uri) == name, uri
    assert algorithm_for_image("kmeans:1") == "kmeans"
    assert algorithm_for_image("docker.io/library/pca:latest") is None
    assert algorithm_for_image("smstudio-base:py311") is None
    assert algorithm_for_image(None) is None


def test_metric_lines_match_their_regexes() -> None:
    import re

    out = io.StringIO()
    logger = MetricLogger("algo-1", out)
    logger.quality("validation", "binary_classification_accuracy", 0.97, "Maximize", epoch=3)
    logger.quality("test", "msd", 1.5e-3)
    logger.xgboost(4, {"train-rmse": 0.25, "validation-auc": 0.99})
    log = out.getvalue()
    accuracy = quality_metric("validation", "binary_classification_accuracy", "Maximize")
    assert re.search(accuracy.regex, log).group(1) == "0.97"  # type: ignore[union-attr]
    assert float(re.search(quality_metric("test", "msd").regex, log).group(1)) == 1.5e-3  # type: ignore[union-attr]
    assert re.search(xgboost_metric("validation", "auc").regex, log).group(1) == "0.99000"  # type: ignore[union-attr]
    assert re.search(xgboost_metric("train", "rmse").regex, log).group(1) == "0.25000"  # type: ignore[union-attr]
    # CloudWatch's spelling of the tab matches too.
    assert re.search(xgboost_metric("train", "rmse").regex, "[9]#011train-rmse:0.1")


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("xgboost", "xgboost.md"),
        ("linear-learner", "linear-learner.md"),
        ("kmeans", "kmeans.md"),
        ("pca", "pca.md"),
    ],
)
def test_each_algorithms_page_documents_every_hyperparameter(name: str, page: str) -> None:
    from jupyter_smstudio.algorithms import get

    text = (Path(__file__).parent.parent / "docs" / "algorithms" / page).read_text()
    missing = [h.name for h in get(name).SPEC.hyperparameters if f"| `{h.name}` |" not in text]
    assert missing == []
    assert f"`{name}`" in text


def test_uniform_dense_files_take_the_numpy_path_and_others_do_not() -> None:
    rng = np.random.default_rng(3)
    X = rng.random((50, 6)).astype(np.float32)
    y = rng.integers(0, 2, 50).astype(np.float32)
    fast = recordio.dense_matrix(_sdk_dense(X, y))
    assert fast is not None
    np.testing.assert_array_equal(fast[0], X)
    np.testing.assert_array_equal(fast[1], y)
    assert recordio.dense_matrix(_sdk_dense(X, None))[1] is None  # type: ignore[index]
    # Sparse rows, and files mixing widths, are read record by record.
    assert recordio.dense_matrix(_sdk_sparse(sp.csr_matrix(X), y)) is None
    mixed = _sdk_dense(X[:, :3], y) + _sdk_dense(X, y)
    assert recordio.dense_matrix(mixed) is None
    with pytest.raises(recordio.RecordIOError, match="different numbers of features"):
        recordio.records_to_matrix(recordio.read_records(mixed))
