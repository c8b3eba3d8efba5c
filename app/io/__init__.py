"""Datasets in and out: one module per format (COCO, YOLO, Pascal VOC, labelme), each a reader and a writer
over the document models; `export` and `importing` run them against a project file."""

from app.io.dataset import FORMATS, DatasetError, ExportCancelled, ExportResult, Issue

__all__ = ["FORMATS", "DatasetError", "ExportCancelled", "ExportResult", "Issue"]
