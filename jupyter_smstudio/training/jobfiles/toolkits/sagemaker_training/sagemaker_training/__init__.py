"""A small stand-in for aws/sagemaker-training-toolkit, put on PYTHONPATH of jobs whose
Python lacks the real package, so scripts that ``import sagemaker_training`` run."""
