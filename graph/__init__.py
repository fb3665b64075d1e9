"""Workbooks: one protocol, two backends (openpyxl files and Microsoft Graph)."""
