"""HTTP <-> compute catalog."""

from __future__ import annotations

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from .catalog import ComputeProfileList


class ComputeProfilesHandler(SMStudioHandler):
    @operation("List the compute profiles you can choose", tag="Compute",
               response=ComputeProfileList)  # fmt: skip
    async def get(self) -> None:
        catalog = self.services.compute
        self.reply(ComputeProfileList(items=catalog.all(), default_profile=catalog.default_profile))


ROUTES = [Route("/compute-profiles", ComputeProfilesHandler)]
