"""Names and shapes of the established avatar client that ``Manager`` and ``Runner`` accept.

Scripts and notebooks written for the established platform's Python client call
``runner.add_table(table_name=...)``, ``runner.get_status(JobKind.standard)``,
``runner.privacy_metrics("t")[0]`` or ``manager.get_jobs_by_name(...)``. This package holds
everything that makes those calls work on this SDK, apart from the SDK's own API:

- :mod:`avatars._compat.enums`: ``JobKind``, ``JobStatus``, ``PlotKind``, ``Results``,
  ``ReportType`` (public through :mod:`avatars.models` and :mod:`avatars.constants`);
- :mod:`avatars._compat.arguments`: the keyword names that differ (``table_name=``,
  ``job_kind=``, ``plot_kind=``, ...), applied to the Runner by a class decorator;
- :mod:`avatars._compat.runner_calls` and :mod:`avatars._compat.manager_calls`: the methods
  that only the established client has (``statuses``, ``cancel``, ``get_jobs_by_name``, ...).

``docs/compatibility.md`` lists every difference that remains.
"""
