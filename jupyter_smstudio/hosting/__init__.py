"""Real-time endpoints and batch transform: serve models with SageMaker's inference contract."""
