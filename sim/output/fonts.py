"""A CJK font for matplotlib (中文字体), found once and set for every figure.

matplotlib's default font has no Chinese glyphs, so Chinese figure text would show as
empty boxes. :func:`use_cjk_font` looks for an installed CJK family (WenQuanYi, Noto /
Source Han, SimHei, Microsoft YaHei, …), registers it if matplotlib's font cache predates
its installation, and puts it first in ``font.sans-serif``. With none installed it says so
once, in one line naming the packages that provide one.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)
"""CJK families in order of preference (the first installed one is used)."""

FILE_HINTS = (
    "notosanscjk",
    "notosanssc",
    "sourcehansans",
    "wqy",
    "simhei",
    "msyh",
    "pingfang",
    "uming",
    "droidsansfallback",
)
"""Lower-case fragments of CJK font file names, for fonts installed after matplotlib built its cache."""

MISSING = (
    "gridsim: no CJK font found for matplotlib; Chinese figure text will show as boxes. "
    "Install one, e.g. `apt-get install fonts-wqy-microhei` (Debian) or fonts-noto-cjk."
)


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    for family in FAMILIES:
        if family in have:
            return family
    # a font installed after matplotlib cached its list: register the files directly
    for path in font_manager.findSystemFonts():
        if any(h in Path(path).name.lower().replace("-", "").replace("_", "") for h in FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    have = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in FAMILIES if family in have), None)


@functools.cache
def use_cjk_font() -> str | None:
    """Set the CJK font first in matplotlib's sans-serif list (and a plain minus sign, which
    CJK fonts lack); warn once if none is installed. Returns the family used, or None."""
    import matplotlib as mpl

    family = cjk_font()
    if family is None:
        warnings.warn(MISSING, stacklevel=2)
        return None
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [family, *[f for f in mpl.rcParams["font.sans-serif"] if f != family]]
    mpl.rcParams["axes.unicode_minus"] = False
    return family
