"""Hyperparameter tuning jobs: SageMaker's semantics, trials on the job runner, Optuna searching."""
