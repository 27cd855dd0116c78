"""The client asks the server to advise the parameters of one table, then runs with them."""

import json
import os
import sys

from avatars.manager import Manager

base_url, api_key = sys.argv[1], sys.argv[2]
fixtures = os.environ["FIXTURES"]
manager = Manager(base_url=base_url, api_key=api_key)
runner = manager.create_runner("advised")
runner.add_table("iris", os.path.join(fixtures, "iris.csv"))
runner.advise_parameters(table_name="iris")
summary = runner.table_summary("iris")
yaml_text = runner.get_yaml()
runner.run(jobs_to_run=["standard"])
print(
    json.dumps(
        {
            "yaml": yaml_text,
            "summary": summary.to_dict(orient="records"),
            "rows": len(runner.shuffled("iris")),
            "status": str(runner.get_status("standard")),
        }
    )
)
