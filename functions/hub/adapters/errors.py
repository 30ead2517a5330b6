"""Domain errors raised by adapters (callers never see botocore's ClientError)."""


class AdapterError(RuntimeError):
    """An AWS call failed; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class ArchiveError(AdapterError):
    pass


class QueueError(AdapterError):
    pass


class StateStoreError(AdapterError):
    pass


class StateConflictError(StateStoreError):
    """Another writer changed the child state since it was read."""


class TaskStoreError(AdapterError):
    pass


class TaskConflictError(TaskStoreError):
    """Another writer changed the Task since it was read (or created it first)."""


class AgencyRegistryError(AdapterError):
    pass


class MailboxError(AdapterError):
    pass


class SecretError(AdapterError):
    pass


def describe(exc: Exception) -> str:
    """A log-safe description: the AWS error code and operation, never the request payload."""
    resp = getattr(exc, "response", None) or {}
    code = resp.get("Error", {}).get("Code", type(exc).__name__)
    op = getattr(exc, "operation_name", "")
    return f"{op}: {code}" if op else str(code)
