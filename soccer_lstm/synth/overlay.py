"""The broadcaster's logo and the score/clock box, fixed in screen space."""
from __future__ import annotations

import cv2
import numpy as np

from soccer_lstm.synth.look import Kit

class Overlay:
    """The broadcaster's logo and the score/clock box, fixed in screen space.

    Both are opaque, so every pixel they cover is identical from frame to frame except the clock
    digits, which change once per second, as on television.
    """

    def __init__(self, size: tuple[int, int], spec: dict, kits: dict[str, Kit], fps: float) -> None:
        self.width, self.height = size
        self.spec = spec
        self.kits = kits
        self.fps = fps
        self.unit = max(1.0, self.width / 320.0)
        self._logo = self._render_logo()
        self._score_cache: tuple[int, tuple[np.ndarray, np.ndarray, tuple[int, int]]] | None = None

    def _render_logo(self) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        u = self.unit
        w, h = int(44 * u), int(18 * u)
        patch = np.zeros((h, w, 3), np.uint8)
        mask = np.zeros((h, w), np.uint8)
        colour = self.spec["logo_colour"]
        cv2.circle(mask, (int(8 * u), h // 2), int(7 * u), 255, -1, cv2.LINE_AA)
        cv2.circle(patch, (int(8 * u), h // 2), int(7 * u), colour, -1, cv2.LINE_AA)
        cv2.circle(patch, (int(8 * u), h // 2), int(3 * u), (255, 255, 255), -1, cv2.LINE_AA)
        cv2.putText(mask, self.spec["channel"], (int(17 * u), int(13 * u)), cv2.FONT_HERSHEY_DUPLEX, 0.42 * u, 255,
                    max(1, int(2 * u)), cv2.LINE_AA)
        cv2.putText(patch, self.spec["channel"], (int(17 * u), int(13 * u)), cv2.FONT_HERSHEY_DUPLEX, 0.42 * u,
                    (250, 250, 250), max(1, int(2 * u)), cv2.LINE_AA)
        margin = int(8 * u)
        x = margin if self.spec["logo_corner"] == 0 else self.width - w - margin
        return patch, mask > 100, (x, margin)

    def _render_score(self, second: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        u = self.unit
        w, h = int(112 * u), int(14 * u)
        patch = np.full((h, w, 3), 30, np.uint8)
        patch[:, : int(4 * u)] = self.kits["home"].shirt
        patch[:, int(42 * u): int(46 * u)] = self.kits["away"].shirt
        patch[:, int(80 * u):] = (60, 60, 60)
        home, away = self.spec["teams"]
        score = self.spec["score"]
        clock = self.spec["clock_s"] + second
        font, scale, white = cv2.FONT_HERSHEY_SIMPLEX, 0.32 * u, (245, 245, 245)
        base = int(10 * u)
        cv2.putText(patch, f"{home} {score[0]}", (int(6 * u), base), font, scale, white, 1, cv2.LINE_AA)
        cv2.putText(patch, f"{score[1]} {away}", (int(48 * u), base), font, scale, white, 1, cv2.LINE_AA)
        cv2.putText(patch, f"{clock // 60:02d}:{clock % 60:02d}", (int(83 * u), base), font, scale, white, 1, cv2.LINE_AA)
        margin = int(8 * u)
        x = self.width - w - margin if self.spec["logo_corner"] == 0 else margin
        return patch, np.ones((h, w), bool), (x, margin)

    def apply(self, frame: np.ndarray, index: int) -> None:
        """Paste the overlays onto ``frame`` (in place) for frame number ``index``."""
        second = int(index // max(self.fps, 1.0))
        if self._score_cache is None or self._score_cache[0] != second:
            self._score_cache = (second, self._render_score(second))
        for patch, mask, (x, y) in (self._logo, self._score_cache[1]):
            h, w = mask.shape
            if x < 0 or y + h > frame.shape[0] or x + w > frame.shape[1]:
                continue
            np.copyto(frame[y:y + h, x:x + w], patch, where=mask[..., None])
