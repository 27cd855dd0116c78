"""The parsed resource set: its documents indexed by name, and what a job needs from them."""

from __future__ import annotations

from avatar_server.resource_sets.documents import (
    JOB_KIND_OF,
    AdviceDocument,
    AvatarizationDocument,
    DocumentModel,
    MetadataDocument,
    ParametersDocument,
    PiaMetadata,
    PrivacyMetricsDocument,
    ReportDocument,
    SchemaDocument,
    SignalMetricsDocument,
    TableSpec,
)

__all__ = ["ResourceSet"]


class ResourceSet:
    """A parsed, internally consistent resource set.

    Example:
        >>> rs = parse_resource_set(text, max_bytes=1_000_000)  # doctest: +SKIP
        >>> rs.parameter_names()  # doctest: +SKIP
        ['standard', 'privacy_metrics', 'signal_metrics', 'report']
    """

    def __init__(self, raw: str, documents: list[DocumentModel]) -> None:
        self._raw = raw
        self.documents = documents
        self.metadata: MetadataDocument | None = next(
            (d for d in documents if isinstance(d, MetadataDocument)), None
        )
        self.schemas: dict[str, SchemaDocument] = {
            d.metadata.name: d for d in documents if isinstance(d, SchemaDocument)
        }
        self.parameters: dict[str, ParametersDocument] = {
            d.metadata.name: d
            for d in documents
            if isinstance(
                d,
                AvatarizationDocument
                | PrivacyMetricsDocument
                | SignalMetricsDocument
                | ReportDocument
                | AdviceDocument,
            )
        }

    @property
    def display_name(self) -> str:
        """The ``display_name`` of the ``AvatarMetadata`` document ('' when there is none)."""
        return self.metadata.spec.display_name if self.metadata else ""

    @property
    def language(self) -> str:
        """Report language: the report document's, else the metadata's, else ``en``."""
        for doc in self.parameters.values():
            if isinstance(doc, ReportDocument) and doc.spec.language:
                return doc.spec.language
        if self.metadata and self.metadata.spec.language:
            return self.metadata.spec.language
        return "en"

    @property
    def pia_metadata(self) -> dict[str, str]:
        """PIA facts for the report (defaults when the YAML gives none)."""
        pia = self.metadata.spec.pia_metadata if self.metadata else None
        return (pia or PiaMetadata()).model_dump()

    @property
    def max_distribution_plots(self) -> int | None:
        """Cap on per-variable distribution plots: the metadata's, else a parameters' results'."""
        if self.metadata and self.metadata.spec.max_distribution_plots is not None:
            return self.metadata.spec.max_distribution_plots
        for doc in self.parameters.values():
            results = getattr(doc.spec, "results", None)
            if results is not None and results.max_distribution_plots is not None:
                return int(results.max_distribution_plots)
        return None

    def parameter_names(self) -> list[str]:
        """Names of the documents a job can run, in file order."""
        return list(self.parameters)

    def job_kind(self, parameters_name: str) -> str | None:
        """Job kind of the parameters document ``parameters_name``, or None if there is none.

        Example:
            >>> rs.job_kind("standard"), rs.job_kind("nope")  # doctest: +SKIP
            ('standard', None)
        """
        doc = self.parameters.get(parameters_name)
        return JOB_KIND_OF[type(doc)] if doc is not None else None

    def base_schema(self, name: str) -> SchemaDocument:
        """The original schema ``name`` refers to (following ``schema_ref`` once)."""
        schema = self.schemas[name]
        if schema.spec.schema_ref is not None:
            return self.schemas[schema.spec.schema_ref]
        return schema

    def tables(self) -> list[TableSpec]:
        """All tables of the original schemas."""
        return [
            table
            for schema in self.schemas.values()
            if schema.spec.schema_ref is None
            for table in schema.spec.tables
        ]

    def dataset_names(self) -> list[str]:
        """Names of the uploaded datasets the set reads, each once, in file order."""
        names = [table.data.file for table in self.tables() if table.data is not None]
        names += list(self.uploaded_avatars().values())
        return list(dict.fromkeys(names))

    def uploaded_avatars(self) -> dict[str, str]:
        """Table name -> dataset of avatars made elsewhere (``avatars_data: {file: ...}`` in
        an avatarized schema), for the tables that have one.

        Example:
            >>> rs.uploaded_avatars()  # doctest: +SKIP
            {'wbcd': 'wbcd_avatars.csv'}
        """
        found: dict[str, str] = {}
        for schema in self.schemas.values():
            if schema.spec.schema_ref is None:
                continue
            for table in schema.spec.tables:
                if table.avatars_data is not None and table.avatars_data.uploaded:
                    found[table.name] = table.avatars_data.uploaded
        return found

    def to_yaml(self) -> str:
        """The YAML text as submitted."""
        return self._raw
