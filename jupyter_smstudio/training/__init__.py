"""Training jobs: SageMaker script-mode and bring-your-own-container jobs, run detached."""
