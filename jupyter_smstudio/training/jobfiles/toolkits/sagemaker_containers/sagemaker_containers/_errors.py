"""``sagemaker_containers._errors``."""

from __future__ import annotations


class ClientError(Exception):
    pass


class UnsupportedFormatError(ClientError):
    def __init__(self, content_type: str) -> None:
        self.message = f"Content type {content_type} is not supported by this framework."
        super().__init__(self.message)


class _CalledProcessError(ClientError):
    def __init__(self, cmd: object, return_code: int | None = None, output: object = None):
        self.cmd, self.return_code, self.output = cmd, return_code, output
        super().__init__(f"Command {cmd!r} failed with exit code {return_code}: {output}")


class InstallModuleError(_CalledProcessError):
    pass


class ImportModuleError(ClientError):
    pass


class ExecuteUserScriptError(_CalledProcessError):
    pass
