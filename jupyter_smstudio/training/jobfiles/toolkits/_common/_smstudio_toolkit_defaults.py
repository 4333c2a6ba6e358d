"""What the default handler functions of aws/sagemaker-inference-toolkit and
aws/sagemaker-containers share: the error for a function the script must provide."""

from __future__ import annotations

import textwrap


def missing(name: str, docs: str) -> NotImplementedError:
    """The toolkits' error (same words, each its own documentation link)."""
    return NotImplementedError(
        textwrap.dedent(
            f"""
            Please provide a {name} implementation.
            See documentation for {name} at {docs}
            """
        )
    )
