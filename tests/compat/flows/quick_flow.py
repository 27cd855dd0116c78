"""The client's quick start on wbcd.csv: upload, standard job, avatars back, every metric."""

import json
import os
import sys
import time

from avatars.manager import Manager

base_url, api_key = sys.argv[1], sys.argv[2]
started = time.monotonic()
manager = Manager(base_url=base_url, api_key=api_key)
me = manager.auth_client.users.get_me()
runner = manager.create_runner("wbcd")
runner.add_table("wbcd", os.path.join(os.environ["FIXTURES"], "wbcd.csv"))
runner.set_parameters("wbcd", k=15)
runner.run(jobs_to_run=["standard"])
avatars = runner.shuffled("wbcd")
wall = time.monotonic() - started
original_projections, avatar_projections = runner.projections("wbcd")
print(
    json.dumps(
        {
            "me_email": me.email,
            "status": str(runner.get_status("standard")),
            "rows": len(avatars),
            "columns": list(avatars.columns),
            "wall_seconds": wall,
            "projection_rows": [len(original_projections), len(avatar_projections)],
            "unshuffled_rows": len(runner.sensitive_unshuffled("wbcd")),
        }
    )
)
