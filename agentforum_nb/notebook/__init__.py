"""The notebook layer: live widgets over a forum. The only layer that imports ipywidgets / anywidget.

* :class:`TreeView`: the tree as a graph; click to select, check out (backtrack), branch, regenerate, stop.
* :class:`ChatView`: one branch as a transcript that follows new answers and a linked TreeView's head.
* :class:`ExperimentView`: an experiment's runs as a grid of cases x variants, scores coloured, filling in live.
* A ``MessagePromise`` or ``MessageSequence`` shown as a cell's result streams live (:class:`StreamView`).
"""

from __future__ import annotations

from ..streams import set_display_hook
from .chat_view import ChatView
from .experiment_view import ExperimentView
from .stream_view import StreamView, display_stream
from .tree_view import TreeView

set_display_hook(display_stream)

__all__ = ["ChatView", "ExperimentView", "StreamView", "TreeView", "display_stream"]
