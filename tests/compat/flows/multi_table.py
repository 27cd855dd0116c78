"""The client's multi-table flow: patients, their visits and the doctors they saw."""

import json
import os
import sys

from avatars.manager import Manager

base_url, api_key = sys.argv[1], sys.argv[2]
fixtures = os.environ["FIXTURES"]
manager = Manager(base_url=base_url, api_key=api_key)
runner = manager.create_runner("hospital")
runner.add_table(
    "patient", os.path.join(fixtures, "patient.csv"), primary_key="p_id", individual_level=True
)
runner.add_table(
    "doctor", os.path.join(fixtures, "doctor.csv"), primary_key="d_id", individual_level=True
)
runner.add_table(
    "visit",
    os.path.join(fixtures, "visit.csv"),
    primary_key="visit_id",
    foreign_keys=["patient_id", "doctor_id"],
    individual_level=False,
)
runner.add_link("patient", "p_id", "visit", "patient_id")
runner.add_link("doctor", "d_id", "visit", "doctor_id")
runner.set_parameters("patient", k=5)
runner.set_parameters("doctor", k=5, ncp=2)
runner.set_parameters("visit", k=5)
runner.run(jobs_to_run=["standard", "privacy_metrics", "signal_metrics"])
privacy_summary = runner.render_privacy_metrics_summary()
signal_summary = runner.render_signal_metrics_summary()
summary = runner.metrics_summary()
shuffled = {name: runner.shuffled(name) for name in ("patient", "doctor", "visit")}
print(
    json.dumps(
        {
            "yaml": runner.get_yaml(),
            "status": str(runner.get_status("standard")),
            "rows": {name: len(frame) for name, frame in shuffled.items()},
            "visit_columns": list(shuffled["visit"].columns),
            "privacy_summary": privacy_summary,
            "signal_summary": signal_summary,
            "summary_index": list(summary.index),
            "summary_columns": [list(column) for column in summary.columns],
            "hidden_rates": {
                name: runner.privacy_metrics(name)[0]["hidden_rate"]
                for name in ("patient", "doctor", "visit")
            },
            "privacy_tables": sorted(
                {
                    runner.privacy_metrics(name)[0]["metadata"]["table_name"]
                    for name in ("patient", "doctor", "visit")
                }
            ),
        }
    )
)
