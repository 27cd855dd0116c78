from enum import StrEnum


class JobStatus(StrEnum):
    CANCELLED = "cancelled"
    ERROR = "error"
    FINISHED = "finished"
    LOST = "lost"
    PARENT_ERROR = "parent_error"
    QUEUED = "queued"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
