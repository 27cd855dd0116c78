"""YAML the client writes and reads: a DataFrame's typed columns (parquet upload), a YAML
file read back with create_runner_from_yaml, and a column listed without a type."""

import json
import os
import sys
import tempfile
import time

import pandas as pd

from avatars.manager import Manager
from avatars.models import JobCreateRequest

base_url, api_key = sys.argv[1], sys.argv[2]
fixtures = os.environ["FIXTURES"]
manager = Manager(base_url=base_url, api_key=api_key)
out = {}

frame = pd.read_csv(os.path.join(fixtures, "wbcd.csv"))
frame["Flag"] = frame["Mitoses"] > 1
frame["Seen"] = pd.date_range("2020-01-01", periods=len(frame), freq="D")
typed = manager.create_runner("typed")
typed.add_table("wbcd_typed", frame)
typed.set_parameters("wbcd_typed", k=10)
typed.run(jobs_to_run=["standard"])
out["typed_columns"] = list(typed.shuffled("wbcd_typed").columns)
out["typed_yaml_types"] = "type: datetime" in typed.get_yaml()

folder = tempfile.mkdtemp()
source = manager.create_runner("from_file")
source.add_table("wbcd", os.path.join(fixtures, "wbcd.csv"))
source.set_parameters("wbcd", k=12)
path = os.path.join(folder, "config.yaml")
source.get_yaml(path)
with open(path) as handle:
    text = handle.read()
# a column listed without its type, as hand-written YAML often has it
untyped = "      file: wbcd.csv\n    columns:\n    - field: Class\n"
text = text.replace("      file: wbcd.csv\n", untyped)
with open(path, "w") as handle:
    handle.write(text)
again = manager.create_runner_from_yaml(path, "from_file")
again.upload_file("wbcd", os.path.join(fixtures, "wbcd.csv"))
out["from_yaml_tables"] = list(again.config.tables)
# 1.30.0's Runner.from_yaml leaves its job launcher on the previous configuration (and its
# parser drops untyped columns), so the file itself goes through the client's own calls.
stored = manager.auth_client.resources.put_resources("from_file-v1", text)
job = manager.auth_client.jobs.create_job(
    JobCreateRequest(set_name=stored.set_name, parameters_name="standard")
)
for _ in range(600):
    status = manager.auth_client.jobs.get_job_status(job.name)
    if status.done:
        break
    time.sleep(0.2)
out["from_yaml_status"] = str(status.status)
out["from_yaml_results"] = sorted(manager.auth_client.results.get_results(job.name))
out["sent_untyped_column"] = untyped in text
print(json.dumps(out))
