"""The client's links advice: tables declared with their keys, links advised, then the run."""

import json
import os
import sys

import yaml

from avatars.manager import Manager

base_url, api_key = sys.argv[1], sys.argv[2]
fixtures = os.environ["FIXTURES"]
manager = Manager(base_url=base_url, api_key=api_key)
runner = manager.create_runner("hospital_links")
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
advice = runner.advise_links()
runner.set_parameters("patient", k=5)
runner.set_parameters("doctor", k=5, ncp=2)
runner.set_parameters("visit", k=5)
runner.run(jobs_to_run=["standard"])
visits = runner.shuffled("visit")
patients = runner.shuffled("patient")
documents = [d for d in yaml.safe_load_all(runner.get_yaml()) if d]
schema = next(d for d in documents if d["kind"] == "AvatarSchema")
print(
    json.dumps(
        {
            "status": str(runner.get_status("standard")),
            "schema_links": {
                table["name"]: [
                    [link["field"], link["to"]["table"], link["to"]["field"], link["method"]]
                    for link in table.get("links") or []
                ]
                for table in schema["spec"]["tables"]
            },
            "check_links": schema["spec"].get("check_links_between_tables"),
            "visit_rows": len(visits),
            "visit_parents_known": bool(visits["patient_id"].isin(patients["p_id"]).all()),
            "links": [
                [
                    link.parent_table,
                    link.parent_field,
                    link.child_table,
                    link.child_field,
                    str(link.method),
                    link.confidence,
                ]
                for link in advice.links
            ],
            "unlinked": [
                [k.table, k.field, k.candidate_tables] for k in advice.unlinked_foreign_keys
            ],
        }
    )
)
