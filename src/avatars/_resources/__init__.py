"""Resource facades of :class:`~avatars.client.ApiClient`: one class per API tag."""

from avatars._resources.api_keys import ApiKeysResource
from avatars._resources.auth import AuthResource
from avatars._resources.compatibility import CompatibilityResource
from avatars._resources.datasets import DatasetsResource
from avatars._resources.health import HealthResource
from avatars._resources.jobs import JobsResource
from avatars._resources.resources import ResourcesResource
from avatars._resources.results import ResultsResource
from avatars._resources.users import UsersResource

__all__ = [
    "ApiKeysResource",
    "AuthResource",
    "CompatibilityResource",
    "DatasetsResource",
    "HealthResource",
    "JobsResource",
    "ResourcesResource",
    "ResultsResource",
    "UsersResource",
]
