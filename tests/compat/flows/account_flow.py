"""Jobs lifecycle and account calls: cancel, delete, last jobs/results, api keys, users,
event log, capabilities, openapi, health."""

import json
import os
import sys
import time

import pandas as pd

from avatars.manager import Manager
from avatars.models import BulkDeleteRequest, CreateApiKeyRequest, JobKind

base_url, api_key = sys.argv[1], sys.argv[2]
fixtures = os.environ["FIXTURES"]
manager = Manager(base_url=base_url, api_key=api_key)
client = manager.auth_client
out = {}

# a run cancelled before its metrics start: the metrics job waits on the standard job
# large enough (about 100,000 rows) to be still running when the cancel arrives
large = pd.concat([pd.read_csv(os.path.join(fixtures, "wbcd.csv"))] * 150, ignore_index=True)
runner = manager.create_runner("to_cancel")
runner.add_table("wbcd", large)
runner.set_parameters("wbcd", k=15)
runner.run(jobs_to_run=[JobKind.standard, JobKind.privacy_metrics])
cancelled = runner.cancel()
out["cancelled"] = [str(job.status) for job in cancelled]
runner_done = runner.get_job(JobKind.privacy_metrics)
out["after_cancel_done"] = runner_done.done
for _ in range(300):
    standard = runner.get_job(JobKind.standard)
    if standard.done:
        break
    time.sleep(0.2)
out["standard_after_cancel"] = str(standard.status)

# a finished run, then deleted
done = manager.create_runner("to_delete")
done.add_table("wbcd", os.path.join(fixtures, "wbcd.csv"))
done.set_parameters("wbcd", k=10)
done.run(jobs_to_run=[JobKind.standard])
done.shuffled("wbcd")
out["last_jobs"] = [job.display_name for job in manager.get_last_jobs(count=1).values()]
out["last_results_kinds"] = sorted(manager.get_last_results(count=1)[0])
out["by_name"] = len(manager.get_jobs_by_name("to_delete"))
deleted = done.delete()
out["deleted"] = [job.parameters_name for job in deleted.deleted_jobs]
out["bulk_unknown"] = client.jobs.bulk_delete_jobs(
    BulkDeleteRequest(job_names=["00000000-0000-4000-8000-000000000000"])
).failed_jobs
out["by_name_after_delete"] = len(manager.get_jobs_by_name("to_delete"))

# API keys
created = client.api_keys.create_api_key(CreateApiKeyRequest(name="notebook", expiration_days=30))
new_key = created["api_key"]
out["key_plaintext_len"] = len(new_key["plaintext"])
out["keys_listed"] = [key.name for key in client.api_keys.list_api_keys()]
out["key_fetched"] = client.api_keys.get_api_key(new_key["id"]).name
second = Manager(base_url=base_url, api_key=new_key["plaintext"])
out["second_me"] = str(second.auth_client.users.get_me().id) == str(client.users.get_me().id)
client.api_keys.revoke_api_key(new_key["id"])
out["revoked"] = client.api_keys.get_api_key(new_key["id"]).revoked_at is not None

# users, capabilities, openapi, health, event log
me = client.users.get_me()
out["users"] = [str(user.id) for user in client.users.find_users()]
out["me_in_users"] = str(me.id) in out["users"]
out["user_by_id"] = client.users.get_user(str(me.id)).email == me.email
out["capabilities"] = client.capabilities.get_capabilities().input_protocols
out["openapi_title"] = client.openapi.get_openapi_schema()["info"]["title"]
out["health"] = manager.get_health()["status"]
events = client.event_logs.list_my_event_logs(limit=200)
out["event_pairs"] = sorted({f"{event.verb}:{event.object_type}" for event in events})
print(json.dumps(out))
