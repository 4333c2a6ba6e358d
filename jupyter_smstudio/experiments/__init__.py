"""Experiments: an embedded MLflow tracking server and model registry, every job a run."""
