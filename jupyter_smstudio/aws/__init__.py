"""AWS's own protocols: SigV4 and access keys, the SageMaker control plane, runtime, logs, STS."""
