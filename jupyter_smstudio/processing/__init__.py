"""Processing jobs (CreateProcessingJob): a container or command over inputs, saved outputs.

They run through the training jobs' runner as another kind of job (``kind.py``).
"""
