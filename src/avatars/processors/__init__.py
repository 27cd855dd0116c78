"""Reversible transformations applied to a table before avatarization and undone after.

Each processor has ``preprocess(df)``, which returns the table to anonymize, and
``postprocess(source, dest)``, which turns the anonymized table back into the shape, units and
types of ``source`` (the original table). They run on the user's machine, so the server only
sees the processed table.

Example:
    >>> import pandas as pd
    >>> from avatars.processors import ProportionProcessor
    >>> df = pd.DataFrame({"total": [100, 10], "a": [10, 10], "b": [90, 0]})
    >>> processor = ProportionProcessor(variable_names=["a", "b"], reference="total")
    >>> processed = processor.preprocess(df)
    >>> processor.postprocess(df, processed).equals(df.astype({"a": float, "b": float}))
    True
"""

from avatars.processors.datetime import DatetimeProcessor
from avatars.processors.expected_mean import ExpectedMeanProcessor
from avatars.processors.geolocation_normalization import GeolocationNormalizationProcessor
from avatars.processors.group_modalities import GroupModalitiesProcessor
from avatars.processors.inter_record_bounded_cumulated_difference import (
    InterRecordBoundedCumulatedDifferenceProcessor,
)
from avatars.processors.inter_record_bounded_range_difference import (
    InterRecordBoundedRangeDifferenceProcessor,
)
from avatars.processors.inter_record_cumulated_difference import (
    InterRecordCumulatedDifferenceProcessor,
)
from avatars.processors.perturbation import PerturbationProcessor
from avatars.processors.proportions import ProportionProcessor
from avatars.processors.to_categorical import ToCategoricalProcessor

__all__ = [
    "DatetimeProcessor",
    "ExpectedMeanProcessor",
    "GeolocationNormalizationProcessor",
    "GroupModalitiesProcessor",
    "InterRecordBoundedCumulatedDifferenceProcessor",
    "InterRecordBoundedRangeDifferenceProcessor",
    "InterRecordCumulatedDifferenceProcessor",
    "PerturbationProcessor",
    "ProportionProcessor",
    "ToCategoricalProcessor",
]
