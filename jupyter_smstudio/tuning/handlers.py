"""HTTP <-> tuning service; nothing else."""

from __future__ import annotations

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from .models import TrialPage, TrialQuery, TuningJob, TuningJobCreate, TuningJobPage, TuningJobQuery

TAG = "Hyperparameter tuning jobs"


class TuningJobsHandler(SMStudioHandler):
    @operation(
        "List your hyperparameter tuning jobs",
        tag=TAG,
        query=TuningJobQuery,
        response=TuningJobPage,
    )
    async def get(self) -> None:
        query = self.query(TuningJobQuery)
        self.reply(await self.services.tuning.page(self.username, query))

    @operation(
        "Create a hyperparameter tuning job (CreateHyperParameterTuningJob)",
        tag=TAG,
        request=TuningJobCreate,
        response=TuningJob,
        status=201,
        errors=(409, 503),
        description="Ranges, limits, the objective and the trials' training job are checked "
        "before anything runs; each trial is a training job named <tuning job>-NNN-xxxxxxxx.",
    )
    async def post(self) -> None:
        spec = self.body(TuningJobCreate)
        self.reply(await self.services.tuning.create(self.username, spec), status=201)


class TuningJobHandler(SMStudioHandler):
    @operation(
        "Describe a hyperparameter tuning job (counters, best training job)",
        tag=TAG,
        response=TuningJob,
        errors=(404,),
    )
    async def get(self, name: str) -> None:
        self.reply(await self.services.tuning.get(self.username, name))


class TuningJobStopHandler(SMStudioHandler):
    @operation(
        "Stop a hyperparameter tuning job and its running training jobs",
        tag=TAG,
        response=TuningJob,
        errors=(404, 422),
    )
    async def post(self, name: str) -> None:
        self.reply(await self.services.tuning.stop(self.username, name))


class TuningJobTrialsHandler(SMStudioHandler):
    @operation(
        "List a tuning job's training jobs (ListTrainingJobsForHyperParameterTuningJob)",
        tag=TAG,
        query=TrialQuery,
        response=TrialPage,
        errors=(404,),
    )
    async def get(self, name: str) -> None:
        query = self.query(TrialQuery)
        self.reply(await self.services.tuning.trials(self.username, name, query))


NAME = {"name": "Hyperparameter tuning job name."}
ROUTES = [
    Route("/tuning-jobs", TuningJobsHandler),
    Route("/tuning-jobs/{name}", TuningJobHandler, NAME),
    Route("/tuning-jobs/{name}/stop", TuningJobStopHandler, NAME),
    Route("/tuning-jobs/{name}/training-jobs", TuningJobTrialsHandler, NAME),
]
