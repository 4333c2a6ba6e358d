"""The one job runner and what every kind of job shares (see ``runner.py``)."""
