"""What a clip's teams and stadium look like: kits, colours, patterns, lighting, drawn once per clip."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SHIFT = 4                  # sub-pixel bits for OpenCV drawing
ONE = 1 << SHIFT

# Kit colours (BGR). Pairs are drawn so that the two teams always contrast.
KIT_COLOURS = {
    "white": (235, 235, 235), "black": (25, 25, 25), "red": (40, 30, 200), "blue": (170, 60, 20),
    "sky": (225, 175, 95), "yellow": (30, 215, 240), "green": (60, 140, 20), "orange": (20, 120, 240),
    "claret": (70, 20, 120), "navy": (80, 30, 15), "purple": (140, 40, 110), "grey": (130, 130, 130),
}
KEEPER_COLOURS = ("lime", "pink", "amber", "teal", "charcoal")
KEEPER_BGR = {"lime": (40, 240, 170), "pink": (170, 90, 245), "amber": (0, 180, 255), "teal": (150, 150, 0),
              "charcoal": (55, 50, 45)}
PATTERNS = ("plain", "stripes", "hoops", "sleeves", "sash")


@dataclass
class Kit:
    """Colours and shirt pattern of one team (or a keeper, or the referees)."""

    shirt: tuple[int, int, int]
    shorts: tuple[int, int, int]
    socks: tuple[int, int, int]
    detail: tuple[int, int, int]
    pattern: str = "plain"


@dataclass
class Look:
    """Everything about a clip's appearance that is not the action itself."""

    grass: tuple[np.ndarray, np.ndarray]
    stripe_m: float
    checker: bool
    line_colour: tuple[int, int, int]
    roof_colour: tuple[int, int, int]
    shadow: tuple[float, float] | None        # far-stand shadow edge: Y at X=0 and at X=105
    kits: dict[str, Kit]
    gain: float
    tint: np.ndarray
    gamma: float
    noise_sigma: float
    jpeg_quality: int
    blur_gain: float
    overlay: dict = field(default_factory=dict)


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).sum())


def _team_kit(rng: np.random.Generator, avoid: tuple[int, int, int] | None) -> Kit:
    names = list(KIT_COLOURS)
    while True:
        shirt = KIT_COLOURS[names[int(rng.integers(len(names)))]]
        if avoid is None or _contrast(shirt, avoid) > 220:
            break
    detail = KIT_COLOURS[names[int(rng.integers(len(names)))]]
    if _contrast(detail, shirt) < 120:
        detail = (235, 235, 235) if np.mean(shirt) < 128 else (25, 25, 25)
    shorts = shirt if rng.random() < 0.4 else (detail if rng.random() < 0.5 else (235, 235, 235) if rng.random() < 0.5 else (25, 25, 25))
    socks = shorts if rng.random() < 0.5 else shirt
    pattern = PATTERNS[int(rng.choice(len(PATTERNS), p=[0.45, 0.2, 0.1, 0.15, 0.1]))]
    return Kit(shirt, shorts, socks, detail, pattern)


def make_look(rng: np.random.Generator) -> Look:
    """Draw a clip's appearance: grass, lighting, kits, overlays, degradations."""
    hue = rng.uniform(-1, 1)
    light = np.array([45 + 12 * hue, 150 + rng.uniform(-25, 20), 70 + rng.uniform(-20, 25)], np.float32)
    dark = light * rng.uniform(0.72, 0.88)
    if rng.random() < 0.5:
        light, dark = dark, light
    home = _team_kit(rng, None)
    away = _team_kit(rng, home.shirt)
    keepers = rng.choice(len(KEEPER_COLOURS), 2, replace=False)
    kits = {
        "home": home,
        "away": away,
        "home_keeper": _keeper_kit(KEEPER_COLOURS[int(keepers[0])]),
        "away_keeper": _keeper_kit(KEEPER_COLOURS[int(keepers[1])]),
        "referee": _referee_kit(rng, home.shirt, away.shirt),
    }
    shadow = None
    if rng.random() < 0.35:
        a, b = rng.uniform(20, 60, 2)
        shadow = (float(a), float(b))
    abbreviations = rng.choice(["ARS", "BAR", "JUV", "MIL", "LYO", "POR", "AJX", "CEL", "BEN", "SEV",
                                "NAP", "ROM", "VAL", "PSV", "GAL", "RBL"], 2, replace=False)
    overlay = {
        "logo_corner": int(rng.integers(2)),           # 0: top-left, 1: top-right; score goes opposite
        "channel": str(rng.choice(["SPN", "TV4", "MCS", "RAI", "SKY", "CAN+", "BTS", "ZDF"])),
        "teams": [str(a) for a in abbreviations],
        "score": [int(v) for v in rng.integers(0, 4, 2)],
        "clock_s": int(rng.integers(60, 90 * 60)),
        "logo_colour": tuple(int(c) for c in rng.integers(60, 256, 3)),
    }
    return Look(
        grass=(light, dark),
        stripe_m=float(rng.uniform(4.5, 7.0)),
        checker=bool(rng.random() < 0.2),
        line_colour=tuple(int(c) for c in rng.integers(215, 250, 3)),
        roof_colour=tuple(int(c) for c in rng.integers(25, 70, 3)),
        shadow=shadow,
        kits=kits,
        gain=float(rng.uniform(0.8, 1.15)),
        tint=rng.uniform(0.93, 1.07, 3).astype(np.float32),
        gamma=float(rng.uniform(0.85, 1.2)),
        noise_sigma=float(rng.uniform(1.5, 5.0)),
        jpeg_quality=int(rng.integers(35, 80)),
        blur_gain=float(rng.uniform(0.3, 0.7)),
        overlay=overlay,
    )


def _keeper_kit(name: str) -> Kit:
    colour = KEEPER_BGR[name]
    return Kit(colour, colour, colour, (25, 25, 25) if np.mean(colour) > 100 else (230, 230, 230), "sleeves")


def _referee_kit(rng: np.random.Generator, *avoid: tuple[int, int, int]) -> Kit:
    for colour in ((25, 25, 25), (30, 220, 240), (60, 40, 200), (90, 200, 60)):
        if all(_contrast(colour, a) > 150 for a in avoid) or rng.random() < 0.1:
            return Kit(colour, (25, 25, 25), (25, 25, 25), (200, 200, 200), "plain")
    return Kit((90, 200, 60), (25, 25, 25), (25, 25, 25), (200, 200, 200), "plain")


# --------------------------------------------------------------------------------------------
# The stadium, drawn once per clip
# --------------------------------------------------------------------------------------------
