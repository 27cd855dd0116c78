"""YAML written by the client's own writer (get_yaml): one table, a DataFrame, three linked
tables, three levels ending in a time series (schools -> pupils by minimum distance -> each
pupil's yearly tests, a time series; the CSV files are in the folder given as third argument),
and the same files with the column types removed, as hand-written YAML has them."""

import json
import os
import sys

import pandas as pd
from avatar_yaml.models.parameters import (
    AlignmentMethod,
    ExcludeVariablesMethod,
    ImputeMethod,
    ProjectionType,
)
from avatar_yaml.models.schema import LinkMethod

from avatars.manager import Manager

base_url, api_key = sys.argv[1], sys.argv[2]
fixtures = os.environ["FIXTURES"]
manager = Manager(base_url=base_url, api_key=api_key)
out = {}

single = manager.create_runner("yaml-single", seed=3, max_distribution_plots=4)
single.add_table("wbcd", os.path.join(fixtures, "wbcd.csv"), individual_level=True)
single.set_parameters(
    "wbcd",
    k=12,
    ncp=4,
    imputation_method=ImputeMethod.KNN,
    imputation_k=3,
    exclude_variable_names=["Mitoses"],
    exclude_replacement_strategy=ExcludeVariablesMethod.ROW_ORDER,
    known_variables=["Clump_Thickness"],
    target="Class",
)
out["single"] = single.get_yaml()

frame = pd.read_csv(os.path.join(fixtures, "iris.csv"))
framed = manager.create_runner("yaml-frame")
framed.add_table("iris", frame)
framed.set_parameters("iris", k=8, use_categorical_reduction=True)
out["frame"] = framed.get_yaml()

multi = manager.create_runner("yaml-multi")
multi.add_table(
    "patient", os.path.join(fixtures, "patient.csv"), primary_key="p_id", individual_level=True
)
multi.add_table(
    "doctor", os.path.join(fixtures, "doctor.csv"), primary_key="d_id", individual_level=True
)
multi.add_table(
    "visit",
    os.path.join(fixtures, "visit.csv"),
    primary_key="visit_id",
    foreign_keys=["patient_id", "doctor_id"],
    individual_level=False,
)
multi.add_link("patient", "p_id", "visit", "patient_id")
multi.add_link(
    "doctor", "d_id", "visit", "doctor_id", method=LinkMethod.MINIMUM_DISTANCE_ASSIGNMENT
)
multi.set_parameters("patient", k=5)
multi.set_parameters("doctor", k=5, ncp=2)
multi.set_parameters("visit", k=5)
out["multi"] = multi.get_yaml()

folder = sys.argv[3]
series = manager.create_runner("yaml-series", seed=2)
series.add_table("school", os.path.join(folder, "school.csv"), primary_key="schoolid")
series.add_table(
    "pupil",
    os.path.join(folder, "pupil.csv"),
    primary_key="childid",
    foreign_keys=["schoolid"],
    individual_level=True,
)
series.add_table(
    "test", os.path.join(folder, "test.csv"), foreign_keys=["childid"], time_series_time="year"
)
series.add_link(
    "school", "schoolid", "pupil", "schoolid", method=LinkMethod.MINIMUM_DISTANCE_ASSIGNMENT
)
series.add_link("pupil", "childid", "test", "childid", method=LinkMethod.TIME_SERIES)
series.set_parameters("school", k=5, ncp=3)
series.set_parameters("pupil", k=10, ncp=3)
series.set_parameters(
    "test",
    k=10,
    time_series_nf=3,
    time_series_projection_type=ProjectionType.FPCA,
    time_series_nb_points=6,
    time_series_method=AlignmentMethod.MEAN,
)
out["series"] = series.get_yaml()
print(json.dumps(out))
