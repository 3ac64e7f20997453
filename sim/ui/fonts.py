"""The CJK font finder, for the trainer's page: it lives in :mod:`sim.output.fonts` so that the
sweep report (``sim.studies``, a lower layer) shares it."""

from sim.output.fonts import FAMILIES, FILE_HINTS, MISSING, cjk_font, use_cjk_font

__all__ = ["FAMILIES", "FILE_HINTS", "MISSING", "cjk_font", "use_cjk_font"]
