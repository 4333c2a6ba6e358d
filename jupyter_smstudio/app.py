"""The SM Studio server extension: configuration, services, routes, start/stop."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.serverapp import ServerApp
from traitlets import Enum, Unicode, default, validate

from . import __version__
from .api.openapi import build_openapi
from .api.routes import tornado_handlers
from .areas import all_routes
from .aws.config import AwsApi
from .aws.environment import environment as aws_environment
from .aws.environment import publish as publish_aws_env
from .compute import ComputeCatalog
from .experiments import proxy as mlflow_proxy
from .experiments.config import Experiments
from .hosting.config import Hosting
from .identity import default_owner
from .idle.policy import IdlePolicy
from .jobs.config import TrainingJobs
from .jobs.repository import StoredJob
from .kernelenv import ENV_TOKEN, ENV_URL
from .runtime.config import RunLimits
from .runtime.files import private_dir
from .s3.config import S3Storage
from .services import Services
from .spaces.contents_access import guarded_file_handlers
from .spaces.kernel_access import guarded_handlers
from .spaces.service import SpaceService
from .spaces.terminal_access import guard_terminal_routes
from .store.database import sqlite_url
from .wrangler.config import DataWrangler


class SMStudioApp(ExtensionApp):
    """Spaces, training jobs, endpoints and data flows for JupyterLab.

    Configure it as ``c.SMStudioApp.<trait>`` in ``jupyter_server_config.py``.
    """

    name = "jupyter_smstudio"
    app_name = "SM Studio"
    description = "A self-hosted SageMaker Studio inside JupyterLab."
    classes = [
        ComputeCatalog,
        SpaceService,
        TrainingJobs,
        Hosting,
        IdlePolicy,
        DataWrangler,
        RunLimits,
        S3Storage,
        AwsApi,
        Experiments,
    ]
    load_other_extensions = True

    data_dir = Unicode(
        config=True,
        help="Directory holding SM Studio's database and space volumes. "
        "Default: <jupyter data dir>/smstudio (per user under JupyterHub).",
    )

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return os.path.join(jupyter_data_dir(), "smstudio")

    @validate("data_dir")
    def _absolute_data_dir(self, proposal: Any) -> str:
        return str(Path(proposal["value"]).expanduser().absolute())

    database_url = Unicode(
        "",
        config=True,
        help="SQLAlchemy async database URL. Default: a SQLite file in data_dir "
        "(sqlite+aiosqlite:///<data_dir>/smstudio.db). PostgreSQL works with "
        "postgresql+asyncpg://... when asyncpg is installed.",
    )

    user_mode = Enum(
        ["auto", "single", "multi"],
        "auto",
        config=True,
        help="'single': everyone who can log in to this server acts as its owner "
        "(jupyter_server's token/password login). 'multi': resources belong to each "
        "authenticated user (JupyterHub, custom IdentityProviders). 'auto' picks by "
        "the server's IdentityProvider.",
    )

    owner_name = Unicode(
        config=True,
        help="Owner name used in single-user mode. Default: the operating-system user.",
    )

    @default("owner_name")
    def _default_owner_name(self) -> str:
        return default_owner()

    services: Services

    @property
    def server(self) -> ServerApp:
        """The jupyter_server application this extension runs in."""
        assert self.serverapp is not None, "the extension is not linked to a server yet"
        return self.serverapp

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(Path(self.data_dir) / "smstudio.db")

    def initialize_settings(self) -> None:
        private_dir(Path(self.data_dir))  # job specs, environments, keys: this user's only
        self.services = Services.build(self)
        # Space kernelspecs live in our data dir; the server's own manager finds them.
        kernels = str(Path(self.data_dir) / "kernels")
        specs: Any = self.server.kernel_spec_manager
        if kernels not in specs.kernel_dirs:
            specs.kernel_dirs.append(kernels)
        self.settings.update(
            {
                "smstudio_services": self.services,
                "smstudio_openapi": build_openapi(all_routes(), __version__),
            }
        )
        self.log.info("SM Studio %s: data in %s", __version__, self.data_dir)

    def initialize_handlers(self) -> None:
        self.handlers.extend(tornado_handlers(all_routes()))
        # jupyter_server's kernel routes, refusing other users' space kernels.
        self.handlers.extend(guarded_handlers())
        # ...and its terminal routes (jupyter_server_terminals links before us, by name).
        if not guard_terminal_routes(self.server.web_app):
            self.log.debug("No jupyter_server_terminals routes to guard.")
        # MLflow's REST API and UI, behind Jupyter's authentication.
        self.handlers.extend(mlflow_proxy.ROUTES)
        # The file browser's APIs, showing each user only their spaces' folders.
        self.handlers.extend(
            guarded_file_handlers(
                self.server.contents_manager, self.services.spaces.backend.spaces_dir
            )
        )

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        self._publish_connection_env(serverapp)
        await self.services.start()
        if serverapp.sock:
            return
        url = serverapp.connection_url
        if self.services.aws.config.export_to_kernels:
            single = self.services.owners.is_single(serverapp.identity_provider)
            owner = self.owner_name if single else None
            await publish_aws_env(self.services, owner, url)
        # jobs get them too, each its owner's (in containers, at the host gateway)
        self.services.jobs.job_env = lambda job: self._job_env(job, url)

    async def _job_env(self, job: StoredJob, url: str) -> dict[str, str]:
        """A job's variables: its owner's AWS ones, and its MLflow run's."""
        services = self.services
        env = {}
        if services.aws.config.export_to_kernels:
            env = await aws_environment(services, job.owner, url)
        key = await services.access_keys.environment_key(job.owner)
        return {**env, **await services.experiments.job_env(job, url, key)}

    def current_activity(self) -> list[str] | None:
        """What keeps the server up (jupyter_server's ``shutdown_no_activity`` asks)."""
        services = getattr(self, "services", None)
        if services is None or services.idle is None:
            return None
        return services.idle.current_activity() or None

    async def stop_extension(self) -> None:
        await self.services.stop()

    def _publish_connection_env(self, serverapp: Any) -> None:
        """Let kernels started by this server find it and its MLflow (the port is known
        only now)."""
        if serverapp.sock:
            return
        os.environ[ENV_URL] = serverapp.connection_url
        token = serverapp.identity_provider.token
        if token:
            os.environ[ENV_TOKEN] = token
        os.environ.update(self.services.experiments.client_env(serverapp.connection_url, token))
