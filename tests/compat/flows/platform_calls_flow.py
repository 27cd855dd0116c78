"""The client's lower-level calls: API root, job flow of a whole set, documents added to a
stored set, volume documents, connections (none: files only) and admin key revocation."""

import json
import sys
import time

import yaml

from avatars.manager import Manager
from avatars.models import CreateApiKeyRequest, JobCreateRequest, JobFlowCreateRequest

base_url, api_key, other_key, penguins_csv = sys.argv[1:5]
manager = Manager(base_url=base_url, api_key=api_key)
client = manager.auth_client
out = {}


def error_of(call):
    try:
        call()
    except Exception as exc:  # the client raises its own ApiResponseError
        return str(exc)
    return ""


out["root"] = client.health.get_root()
out["health_db"] = client.health.get_health_db()["status"]
out["credits"] = client.users.get_credits_info().is_credit_enabled
out["features"] = [str(scope) for scope in client.users.get_features_info().feature_scopes]

# one request launches every job a stored set describes, in the order of the work
runner = manager.create_runner("flow")
runner.add_table("penguins", penguins_csv)
runner.set_parameters("penguins", k=10)
yaml_text = runner.get_yaml()
stored = client.resources.put_resources(display_name="flow", yaml_string=yaml_text)
flow = client.jobs.create_job_flow(JobFlowCreateRequest(set_name=stored.set_name))
names = [job.name for job in flow.jobs]
for _ in range(600):
    jobs = [client.jobs.get_job_status(name) for name in names]
    if all(job.done for job in jobs):
        break
    time.sleep(0.3)
out["flow_jobs"] = [[job.parameters_name, str(job.status)] for job in jobs]
listed = {job.name for job in client.jobs.get_jobs(set_name=str(stored.set_name)).jobs}
out["flow_jobs_listed"] = listed == set(names)
out["last_set_is_flow"] = {job.name for job in client.jobs.get_last_jobs().jobs} == set(names)
standard = next(job for job in jobs if job.parameters_name == "standard")
out["flow_standard_results"] = sorted(client.results.get_results(standard.name))

# a document added to the stored set, which keeps its name
schema = next(d for d in yaml.safe_load_all(yaml_text) if d and d["kind"] == "AvatarSchema")
advice = {
    "kind": "AvatarAdviceParameters",
    "metadata": {"name": "advice_added"},
    "spec": {"schema": schema["metadata"]["name"], "advice": {"advisor_type": ["parameters"]}},
}
added = client.resources.create_resource(str(stored.set_name), yaml.safe_dump(advice))
out["added_same_set"] = str(added.set_name) == str(stored.set_name)
out["added_in_yaml"] = "advice_added" in client.resources.get_resources(str(stored.set_name))
out["add_bad_document"] = error_of(
    lambda: client.resources.create_resource(str(stored.set_name), "kind: Nope\n")
)

# a run without parameters: the set is stored, the client itself says what is missing, and a
# job of that set is refused by the server
bare = manager.create_runner("no_parameters")
bare.add_table("penguins", penguins_csv)
out["run_without_parameters"] = error_of(lambda: bare.run(jobs_to_run=["standard"]))
out["bare_set_stored"] = "AvatarSchema" in client.resources.get_resources(str(bare.set_name))
out["job_without_parameters"] = error_of(
    lambda: client.jobs.create_job(
        JobCreateRequest(set_name=bare.set_name, parameters_name="standard", depends_on=[])
    )
)

out["volume"] = yaml.safe_load(
    client.resources.get_user_volume("input", "input", set_name=str(stored.set_name))
)
out["volume_unknown_set"] = error_of(
    lambda: client.resources.get_user_volume(
        "input", "input", set_name="00000000-0000-4000-8000-000000000000"
    )
)

out["connections"] = client.connections.list_connections().connections
out["engines"] = client.connections.list_engines().engines
out["presets"] = client.connections.list_connection_presets().presets
out["test_connection"] = error_of(lambda: client.connections.test_connection("warehouse"))
out["delete_connection"] = error_of(lambda: client.connections.delete_connection("warehouse"))

# an admin revokes one key of their own by id, then every key of another user
created = client.api_keys.create_api_key(CreateApiKeyRequest(name="spare", expiration_days=30))
spare = created["api_key"]
client.api_keys.revoke_api_key_admin(api_key_id=spare["id"])
out["spare_revoked"] = client.api_keys.get_api_key(spare["id"]).revoked_at is not None
other = Manager(base_url=base_url, api_key=other_key).auth_client
other_id = str(other.users.get_me().id)
out["revoke_as_user"] = error_of(lambda: other.api_keys.revoke_api_key_admin(user_id=other_id))
other.api_keys.revoke_all_api_keys()
out["other_after_revoke_all"] = error_of(lambda: other.users.get_me())
out["other_revoked"] = client.api_keys.revoke_api_key_admin(user_id=other_id)
out["other_after"] = error_of(lambda: other.users.get_me())
out["revoke_neither"] = error_of(lambda: client.api_keys.revoke_api_key_admin())
print(json.dumps(out, default=str))
