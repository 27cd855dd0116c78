"""Reading users' table files: sniffed CSV dialects, TSV, Parquet and Excel, on real tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from public_tables import penguins, rtable

from avatars._table_reading import CsvDialect, TableReadError, read_table, sniff_csv


def _tables() -> dict[str, pd.DataFrame]:
    return {
        "penguins": penguins(),
        "cancer": rtable("survival", "cancer"),
        "mtcars": rtable("datasets", "mtcars"),
    }


@pytest.mark.parametrize("name", ["penguins", "cancer", "mtcars"])
@pytest.mark.parametrize(
    ("sep", "decimal", "encoding"),
    [(",", ".", "utf-8"), (";", ",", "latin-1"), (";", ",", "utf-8-sig"), ("\t", ".", "utf-8"),
     ("|", ".", "cp1252")],
)
def test_exported_csv_dialects_read_back_the_table(
    tmp_path: Path, name: str, sep: str, decimal: str, encoding: str
) -> None:
    original = _tables()[name]
    if name == "penguins":
        original = original.assign(island=original["island"].str.replace("Biscoe", "Bïscoe"))
    path = tmp_path / f"{name}.csv"
    original.to_csv(path, sep=sep, decimal=decimal, encoding=encoding, index=False)
    dialect = sniff_csv(path)
    assert (dialect.sep, dialect.decimal) == (sep, decimal)
    read = read_table(path)
    pd.testing.assert_frame_equal(read, original, check_dtype=False, check_column_type=False)


def test_tsv_parquet_and_excel_files(tmp_path: Path) -> None:
    original = rtable("survival", "cancer")
    original.to_csv(tmp_path / "cancer.tsv", sep="\t", index=False)
    original.to_parquet(tmp_path / "cancer.parquet", index=False)
    original.to_excel(tmp_path / "cancer.xlsx", index=False)
    for suffix in ("tsv", "parquet", "xlsx"):
        read = read_table(tmp_path / f"cancer.{suffix}")
        pd.testing.assert_frame_equal(read, original, check_dtype=False, check_column_type=False)


def test_overrides_win_over_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "one_column.csv"
    path.write_text("note;x\nan;1\nb;2\n", encoding="utf-8")
    assert sniff_csv(path, sep=",").sep == ","
    assert list(read_table(path, sep=",").columns) == ["note;x"]
    assert list(read_table(path).columns) == ["note", "x"]
    assert sniff_csv(path, encoding="latin-1") == CsvDialect(";", ".", "latin-1")


def test_every_problem_of_a_broken_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('a,b\n1,2\n3\n4,5,6\n"7,8\n', encoding="utf-8")
    with pytest.raises(TableReadError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "line 3 has 1 field(s)" in message
    assert "line 4 has 3 field(s)" in message
    assert "never closed" in message
    assert "sep=" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"age,sex\n", "no data row"), (b"", "empty"), (bytes(range(256)) * 8, "binary")],
)
def test_unusable_files_are_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(TableReadError, match=expected):
        read_table(path)


def test_unknown_extension_names_the_accepted_ones(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text("{}")
    with pytest.raises(TableReadError, match=r"\.xlsx"):
        read_table(path)


def test_sheet_of_a_workbook_is_read_by_name(tmp_path: Path) -> None:
    cancer = rtable("survival", "cancer")
    cars = rtable("datasets", "mtcars")
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"notes": ["exported 2024"]}).head(0).to_excel(
            writer, sheet_name="Read me", index=False
        )
        cancer.to_excel(writer, sheet_name="cancer", index=False)
        cars.to_excel(writer, sheet_name="cars", index=False)
    read = read_table(path, sheet="cars")
    pd.testing.assert_frame_equal(read, cars, check_dtype=False, check_column_type=False)
    with pytest.raises(TableReadError, match=r"no data rows; pick the sheet .*--sheet"):
        read_table(path)  # the first sheet is an empty cover sheet
    with pytest.raises(TableReadError, match=r"no sheet 'Cars'.*'cancer', 'cars'.*--sheet"):
        read_table(path, sheet="Cars")
    csv = tmp_path / "cars.csv"
    cars.to_csv(csv, index=False)
    with pytest.raises(TableReadError, match=r"\.xlsx workbooks only"):
        read_table(csv, sheet="cars")
