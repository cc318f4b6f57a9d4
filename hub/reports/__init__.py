"""Utilization reports: daily, weekly and monthly, as HTML, CSV and PNG charts.

``build`` makes one report from the analytics rollups (``data`` gathers the dashboards'
figures, ``charts``, ``html_out``, ``csv_out`` and ``mail`` render them), ``store`` keeps
built runs and queues their notices, ``runner`` builds them on a schedule. docs/reports.md.
"""
