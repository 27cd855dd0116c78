"""Differential privacy through the client's set_parameters: open_dp_epsilon, fast_dp_epsilon."""

import json
import os
import sys

import pandas as pd
import yaml

from avatars.manager import Manager
from avatars.models import JobKind

base_url, api_key, penguins = sys.argv[1:4]
manager = Manager(base_url=base_url, api_key=api_key)
wbcd = os.path.join(os.environ["FIXTURES"], "wbcd.csv")
out = {}
runs = (("open_dp_epsilon", 5.0, "wbcd", wbcd), ("fast_dp_epsilon", 3.0, "penguins", penguins))
for argument, epsilon, table, path in runs:
    runner = manager.create_runner(f"dp_{argument}")
    runner.add_table(table, path)
    runner.set_parameters(table, **{argument: epsilon})
    runner.run(jobs_to_run=[JobKind.standard, JobKind.privacy_metrics])
    avatars = runner.shuffled(table)
    original = pd.read_csv(path)
    documents = [d for d in yaml.safe_load_all(runner.get_yaml()) if d]
    parameters = next(d for d in documents if d["kind"] == "AvatarParameters")
    out[argument] = {
        "status": str(runner.get_status(JobKind.standard)),
        "privacy_status": str(runner.get_status(JobKind.privacy_metrics)),
        "spec": parameters["spec"],
        "rows": len(avatars),
        "columns": list(avatars.columns),
        "privacy": runner.privacy_metrics(table)[0],
        "original_rows": len(original),
        "copied_rows": len(avatars.merge(original.drop_duplicates(), how="inner")),
        "categories": {
            column: sorted(set(avatars[column].dropna().astype(str)))
            for column in original.select_dtypes("object").columns
        },
    }
print(json.dumps(out, default=str))
