"""Notebook views of SM Studio resources (ipywidgets, with plain-text fallbacks)."""

from .jobview import JobFollower, TextJobView, WidgetJobView, widgets_available

__all__ = ["JobFollower", "TextJobView", "WidgetJobView", "widgets_available"]
