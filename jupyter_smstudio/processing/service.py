"""Processing jobs on the runner: the API's view of the ``processing`` kind."""

from __future__ import annotations

from ..jobs.runner import JobRunner
from ..jobs.service import KindService
from .kind import ProcessingKind
from .models import ProcessingJob, ProcessingJobCreate, ProcessingJobPage, ProcessingJobSummary

KIND = ProcessingKind()


class ProcessingService(KindService[ProcessingJobCreate, ProcessingJob, ProcessingJobPage]):
    """CreateProcessingJob and the rest: queued with the training jobs, under the same limits."""

    item = ProcessingJob
    summary = ProcessingJobSummary
    page_model = ProcessingJobPage

    def __init__(self, runner: JobRunner) -> None:
        super().__init__(runner, KIND)
