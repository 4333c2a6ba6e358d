"""HTTP <-> idle monitor; nothing else."""

from __future__ import annotations

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from ..errors import InvalidState
from .models import ActivityPing, IdleReport, KeepAliveRequest, KeepAliveResult
from .monitor import IdleMonitor

TAG = "Idle shutdown"


class _IdleHandler(SMStudioHandler):
    @property
    def monitor(self) -> IdleMonitor:
        monitor = self.services.idle
        if monitor is None:
            raise InvalidState("Idle monitoring is not running on this server.")
        return monitor


class IdleHandler(_IdleHandler):
    @operation(
        "Idle seconds, current activity and pending shutdowns of your kernels and spaces",
        tag=TAG,
        response=IdleReport,
        description="Poll with ?no_track_activity=1; reading never counts as activity.",
    )
    async def get(self) -> None:
        self.reply(await self.monitor.report(self.username))


class KeepAliveHandler(_IdleHandler):
    @operation(
        "Keep a space, a kernel or the server running",
        tag=TAG,
        request=KeepAliveRequest,
        response=KeepAliveResult,
        errors=(404,),
    )
    async def post(self) -> None:
        req = self.body(KeepAliveRequest)
        result = await self.monitor.keep_alive_for(
            self.username, req.space, req.kernel_id, req.minutes
        )
        self.reply(result)


class ActivityHandler(_IdleHandler):
    @operation(
        "Report that the user is working in Lab (typing, clicking)",
        tag=TAG,
        request=ActivityPing,
        status=204,
        errors=(404,),
    )
    async def post(self) -> None:
        ping = self.body(ActivityPing)
        await self.monitor.ui_activity(self.username, ping.kernel_id, ping.space)
        self.no_content()


ROUTES = [
    Route("/idle", IdleHandler),
    Route("/idle/keep-alive", KeepAliveHandler),
    Route("/activity", ActivityHandler),
]
