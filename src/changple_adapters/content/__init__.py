"""Notion exports: zip checks and bounded extraction, image conversion, HTML rewriting and sanitizing,
tied together by `NotionExportProcessor` (the ExportProcessor port). Everything runs in memory."""
