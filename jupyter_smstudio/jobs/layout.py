"""The ``/opt/ml`` tree every job's hosts get, and their names (SageMaker's layout).

Backends place it (a container's ``/opt/ml``, or the job's own directory on this
machine); kinds fill it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

INSTANCE_GROUP = "homogeneousCluster"
NETWORK_INTERFACE = "eth0"


@dataclass(frozen=True)
class Layout:
    """The ``/opt/ml`` tree rooted at ``base`` (as the job sees it)."""

    base: str = "/opt/ml"

    def _p(self, *parts: str) -> str:
        return posixpath.join(self.base, *parts)

    code = property(lambda self: self._p("code"))
    model = property(lambda self: self._p("model"))
    input = property(lambda self: self._p("input"))
    input_config = property(lambda self: self._p("input", "config"))
    input_data = property(lambda self: self._p("input", "data"))
    output = property(lambda self: self._p("output"))
    output_data = property(lambda self: self._p("output", "data"))
    output_intermediate = property(lambda self: self._p("output", "intermediate"))
    failure = property(lambda self: self._p("output", "failure"))
    checkpoints = property(lambda self: self._p("checkpoints"))

    def channel(self, name: str) -> str:
        return self._p("input", "data", name)

    def directories(self) -> list[str]:
        """Every directory the tree must have before the job starts."""
        return [
            self.code,
            self.model,
            self.input_config,
            self.input_data,
            self.output_data,
            self.output_intermediate,
            self.checkpoints,
        ]


def hosts_of(count: int) -> list[str]:
    """``algo-1 .. algo-N``, sorted as SageMaker lists them (lexicographically)."""
    return sorted(f"algo-{i}" for i in range(1, count + 1))


def host_resources(instance_type: str, hosts: list[str], host: str) -> dict[str, Any]:
    """``/opt/ml/(input/)config/resourceconfig.json``: the same for every kind of job."""
    hosts = sorted(hosts)
    return {
        "current_host": host,
        "current_instance_type": instance_type,
        "current_group_name": INSTANCE_GROUP,
        "hosts": hosts,
        "instance_groups": [
            {
                "instance_group_name": INSTANCE_GROUP,
                "instance_type": instance_type,
                "hosts": hosts,
            }
        ],
        "network_interface_name": NETWORK_INTERFACE,
    }
