"""Every job kind on wbcd.csv: avatars, both metrics, the basic (pdf) and PIA (docx) reports."""

import base64
import json
import os
import sys
import tempfile
import zipfile

from avatars.constants import Results
from avatars.manager import Manager
from avatars.models import JobKind

base_url, api_key = sys.argv[1], sys.argv[2]
manager = Manager(base_url=base_url, api_key=api_key)
runner = manager.create_runner("wbcd_full")
runner.add_table("wbcd", os.path.join(os.environ["FIXTURES"], "wbcd.csv"))
runner.set_parameters("wbcd", k=10, ncp=4)
runner.run()
out = tempfile.mkdtemp()
runner.download_report(os.path.join(out, "report.pdf"))
runner.download_report(os.path.join(out, "report_pia.docx"), report_type="pia")
with open(os.path.join(out, "report.pdf"), "rb") as handle:
    pdf_head = handle.read(5).decode()
with zipfile.ZipFile(os.path.join(out, "report_pia.docx")) as archive:
    docx_parts = archive.namelist()
    document_xml = archive.read("word/document.xml").decode()
privacy = runner.privacy_metrics("wbcd")
signal = runner.signal_metrics("wbcd")
yaml_text = runner.get_yaml()
figures = runner.get_specific_result("wbcd", JobKind.standard, Results.FIGURES)
for plot_kind in figures:
    runner.render_plot("wbcd", plot_kind)
pngs = [
    base64.b64decode(page.data.split("base64,", 1)[1].split('"', 1)[0])[:8]
    for pages in figures.values()
    for page in pages
]
print(
    json.dumps(
        {
            "statuses": {
                kind.value: str(runner.get_status(kind))
                for kind in (
                    JobKind.standard,
                    JobKind.privacy_metrics,
                    JobKind.signal_metrics,
                    JobKind.report,
                )
            },
            "pdf_head": pdf_head,
            "docx_has_document": "word/document.xml" in docx_parts,
            "docx_mentions_table": "wbcd" in document_xml,
            "privacy_table": privacy[0]["metadata"]["table_name"],
            "privacy_keys": sorted(privacy[0]),
            "signal_table": signal[0]["metadata"]["table_name"],
            "yaml_has_report_pia": "report_pia" in yaml_text,
            "figure_kinds": sorted(plot_kind.value for plot_kind in figures),
            "figures_are_png": bool(pngs) and all(head == b"\x89PNG\r\n\x1a\n" for head in pngs),
        }
    )
)
