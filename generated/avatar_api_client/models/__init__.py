"""Contains all the data models used in inputs/outputs"""

from .api_key_create import ApiKeyCreate
from .api_key_created import ApiKeyCreated
from .api_key_list import ApiKeyList
from .api_key_response import ApiKeyResponse
from .bulk_delete_request import BulkDeleteRequest
from .bulk_delete_response import BulkDeleteResponse
from .compatibility_response import CompatibilityResponse
from .compatibility_status import CompatibilityStatus
from .dataset_list import DatasetList
from .dataset_response import DatasetResponse
from .error_response import ErrorResponse
from .forgotten_password_request import ForgottenPasswordRequest
from .health_db_response import HealthDbResponse
from .health_response import HealthResponse
from .job_create import JobCreate
from .job_created import JobCreated
from .job_kind import JobKind
from .job_list import JobList
from .job_response import JobResponse
from .job_status import JobStatus
from .login_form import LoginForm
from .login_response import LoginResponse
from .refresh_request import RefreshRequest
from .reset_password_request import ResetPasswordRequest
from .resource_set_response import ResourceSetResponse
from .result_files import ResultFiles
from .user_create import UserCreate
from .user_list import UserList
from .user_response import UserResponse

__all__ = (
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyList",
    "ApiKeyResponse",
    "BulkDeleteRequest",
    "BulkDeleteResponse",
    "CompatibilityResponse",
    "CompatibilityStatus",
    "DatasetList",
    "DatasetResponse",
    "ErrorResponse",
    "ForgottenPasswordRequest",
    "HealthDbResponse",
    "HealthResponse",
    "JobCreate",
    "JobCreated",
    "JobKind",
    "JobList",
    "JobResponse",
    "JobStatus",
    "LoginForm",
    "LoginResponse",
    "RefreshRequest",
    "ResetPasswordRequest",
    "ResourceSetResponse",
    "ResultFiles",
    "UserCreate",
    "UserList",
    "UserResponse",
)
