"""``%%tune``'s options and create request (no server: the request is validated by the
server's own model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_smstudio.magics.tuning import tune_spec
from jupyter_smstudio.tuning.models import TuningJobCreate

LINE = (
    "--name my-tune --objective validation:loss --minimize "
    "--metric 'validation:loss=loss=([0-9.]+)' --range alpha=0.0:1.0 --range depth=int:1:5 "
    "--range kernel=cat:linear,rbf --range lr=log:1e-4:1e-1 --max-jobs 8 --parallel 2 "
    "--strategy Bayesian --early-stopping Auto --hp epochs=3"
)


def test_the_request_is_one_the_server_accepts(tmp_path: Path) -> None:
    spec, _ = tune_spec(LINE, "print('loss=1')\n", tmp_path)
    job = TuningJobCreate.model_validate(spec)
    ranges = job.config.parameter_ranges
    assert [r.name for r in ranges.continuous_parameter_ranges] == ["alpha", "lr"]
    assert ranges.continuous_parameter_ranges[1].scaling_type == "Logarithmic"
    assert [(r.min_value, r.max_value) for r in ranges.integer_parameter_ranges] == [(1, 5)]
    assert ranges.categorical_parameter_ranges[0].values == ["linear", "rbf"]
    assert job.config.resource_limits.max_number_of_training_jobs == 8
    assert job.config.resource_limits.max_parallel_training_jobs == 2
    assert job.config.training_job_early_stopping_type == "Auto"
    assert job.training_job_definition.hyperparameters == {"epochs": 3}
    assert (tmp_path / ".smstudio/cells/my-tune/train.py").read_text() == "print('loss=1')\n"


@pytest.mark.parametrize(
    ("bad", "message"),
    [("--range alpha=1:0", "--range alpha: min 1.0 is greater than max 0.0"),
     ("--range alpha=x:1", "--range alpha: bad number"),
     ("--range alpha", "--range expects NAME=SPEC")],
)  # fmt: skip
def test_a_bad_range_names_it_and_writes_nothing(tmp_path: Path, bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tune_spec(f"--name t --objective loss {bad}", "", tmp_path)
    assert not (tmp_path / ".smstudio").exists()
