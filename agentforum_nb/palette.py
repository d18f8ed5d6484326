"""Sender colours: one function for every view of a tree (the TreeView and ChatView nodes, Graphviz export).

Red hues are reserved for errors (an error message, a failed tool): no sender colour is within
:data:`ERROR_HUE_RANGE` degrees of red, so a sender's node never looks like a failure. The front end's colour
function (js/src/render.js ``nodeColour``) applies the same rule to the colours it is given.
"""

from __future__ import annotations

import colorsys
import hashlib

__all__ = ["ERROR_HUE_RANGE", "PALETTE", "USER_COLOUR", "looks_like_error", "sender_colour"]

USER_COLOUR = "#f1f5f9"
#: pastel fills, none of them red (blue, green, amber, violet-pink, indigo, teal, cyan, purple, lime, sky)
PALETTE = ("#dbeafe", "#dcfce7", "#fef3c7", "#f5e1fb", "#e0e7ff", "#ccfbf1", "#cffafe", "#f3e8ff", "#ecfccb", "#e0f2fe")
#: degrees either side of red (hue 0) that only errors use
ERROR_HUE_RANGE = 30.0


def looks_like_error(colour: str) -> bool:
    """Whether the ``#rrggbb`` fill ``colour`` has a red hue (with some saturation): the colour errors use."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, _l, s = colorsys.rgb_to_hls(r, g, b)
    hue = h * 360
    return s > 0.15 and (hue <= ERROR_HUE_RANGE or hue >= 360 - ERROR_HUE_RANGE)


def sender_colour(sender: str) -> str:
    """A stable pastel fill for ``sender`` (``"user"`` is neutral): the same in every process and every view."""
    if sender == "user":
        return USER_COLOUR
    return PALETTE[hashlib.sha256(sender.encode("utf-8", "surrogatepass")).digest()[0] % len(PALETTE)]
