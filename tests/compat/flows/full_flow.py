"""Every job kind on wbcd.csv: avatars, both metrics, the basic (pdf) and PIA (docx) reports."""

import json
import os
import sys
import tempfile
import zipfile

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
        }
    )
)
