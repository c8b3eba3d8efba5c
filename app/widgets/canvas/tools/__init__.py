"""Canvas tools: each turns mouse and key input into document edits."""

from app.widgets.canvas.tools.base import Tool
from app.widgets.canvas.tools.draw import PolygonTool, RectTool
from app.widgets.canvas.tools.keypoints import KeypointTool
from app.widgets.canvas.tools.select import SelectTool

__all__ = ["KeypointTool", "PolygonTool", "RectTool", "SelectTool", "Tool"]
