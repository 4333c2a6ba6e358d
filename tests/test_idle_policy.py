"""IdlePolicy validation and culler configuration, without a server."""

from __future__ import annotations

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import TraitError
from traitlets.config import Config

from jupyter_smstudio.errors import AccessDenied, InvalidInput
from jupyter_smstudio.idle.monitor import configured
from jupyter_smstudio.idle.policy import IdlePolicy
from jupyter_smstudio.idle.signals import CpuSampler


def test_bad_policies_fail_at_start() -> None:
    with pytest.raises(TraitError, match="min_timeout_minutes"):
        IdlePolicy(min_timeout_minutes=100, max_timeout_minutes=50).check()
    with pytest.raises(TraitError, match=">= 0"):
        IdlePolicy(warning_minutes=-1)
    with pytest.raises(TraitError, match="check_interval_seconds"):
        IdlePolicy(check_interval_seconds=0)
    with pytest.raises(TraitError):
        IdlePolicy(enabled="MAYBE")


def test_space_timeouts_within_bounds() -> None:
    policy = IdlePolicy(min_timeout_minutes=60, max_timeout_minutes=600, users_may_disable=False)
    policy.check_space_timeout(None)
    policy.check_space_timeout(60)
    with pytest.raises(InvalidInput, match="between 60 and 600 minutes"):
        policy.check_space_timeout(601)
    with pytest.raises(AccessDenied):
        policy.check_space_timeout(0)
    assert policy.space_timeout_seconds(None) == 3600
    assert IdlePolicy(users_may_disable=True).space_timeout_seconds(0) is None
    assert IdlePolicy(enabled="DISABLED").space_timeout_seconds(90) is None


def test_admin_culler_settings_are_kept() -> None:
    config = Config()
    config.MappingKernelManager.cull_idle_timeout = 7200
    km = AsyncMappingKernelManager(config=config)
    assert configured(config, km, "cull_idle_timeout")
    assert not configured(config, km, "cull_interval")


def test_cpu_sampler_measures_this_process() -> None:
    import os
    import time

    sampler = CpuSampler()
    assert sampler.sample([os.getpid()])[os.getpid()].cpu_percent is None
    wall, cpu = time.monotonic(), time.process_time()
    while time.process_time() < cpu + 0.3:
        pass
    # What this process really got: on a loaded machine a busy loop gets less than a
    # whole CPU, so the expectation is measured, not assumed.
    got = (time.process_time() - cpu) / (time.monotonic() - wall) * 100
    usage = sampler.sample([os.getpid()])[os.getpid()]
    assert usage.cpu_percent is not None
    assert usage.cpu_percent >= got / 2, (usage.cpu_percent, got)
    assert os.getpid() in usage.pids
