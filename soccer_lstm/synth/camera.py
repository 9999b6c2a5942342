"""The broadcast camera: a pinhole on the main stand and a pan/zoom path over its image plane.

Each clip fixes one pinhole camera at the halfway line, high on the main stand, aimed at the part
of the pitch where the action happens. Its image plane is the clip's "world" (panorama): the
static layers are drawn there once, and every frame is an affine crop of it (pan = translation,
zoom = scale). For the small rotations of a broadcast pan this is the image a rotating camera
would see, and it is exactly a global affine motion between frames, which is what the pipeline's
dominant-motion estimator (SIFT matches + RANSAC affine) recovers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PITCH_LENGTH = 105.0   # metres, along world X
PITCH_WIDTH = 68.0     # metres, along world Y (Y = 0 is the near touchline)


@dataclass
class Pinhole:
    """A pinhole camera: world metres (X along the pitch, Y across, Z up) to image-plane pixels.

    Parameters
    ----------
    position : array of 3 floats
        Camera centre in metres.
    target : array of 3 floats
        World point the optical axis goes through.
    focal : float
        Focal length in image-plane pixels. The principal point is the origin.
    """

    position: np.ndarray
    target: np.ndarray
    focal: float

    def __post_init__(self) -> None:
        position = np.asarray(self.position, float)
        forward = np.asarray(self.target, float) - position
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        rotation = np.stack([right, down, forward])
        intrinsics = np.diag([self.focal, self.focal, 1.0])
        self.matrix = intrinsics @ np.hstack([rotation, -rotation @ position[:, None]])  # 3x4

    def project(self, points: np.ndarray) -> np.ndarray:
        """Project world points ``(..., 3)`` to image-plane pixels ``(..., 2)``."""
        points = np.asarray(points, float)
        homogeneous = points @ self.matrix[:, :3].T + self.matrix[:, 3]
        depth = np.maximum(homogeneous[..., 2:3], 1e-6)
        return homogeneous[..., :2] / depth

    def plane_homography(self, origin: np.ndarray, axis_u: np.ndarray, axis_v: np.ndarray) -> np.ndarray:
        """Homography from plane coordinates ``(u, v)`` to pixels, for ``origin + u*axis_u + v*axis_v``."""
        basis = np.stack([np.asarray(axis_u, float), np.asarray(axis_v, float), np.asarray(origin, float)], axis=1)
        homogeneous = np.vstack([basis, [0.0, 0.0, 1.0]])  # 4x3: world homogeneous from (u, v, 1)
        return self.matrix @ homogeneous

    def scale_at(self, points: np.ndarray) -> np.ndarray:
        """Pixels per metre for a small upright object at world ``points`` ``(..., 3)``."""
        points = np.asarray(points, float)
        depth = points @ self.matrix[2, :3] + self.matrix[2, 3]
        return self.focal / np.maximum(depth, 1e-6)


def smooth(values: np.ndarray, strength: float) -> np.ndarray:
    """Causal exponential smoothing followed by a backward pass: a lag-free, jerk-free path.

    ``strength`` in [0, 1): 0 keeps the input, values near 1 give a slow, heavy camera.
    """
    values = np.asarray(values, float)
    if strength <= 0 or len(values) < 2:
        return values.copy()
    out = values.copy()
    for direction in (1, -1):
        seq = out[::direction].copy()
        for i in range(1, len(seq)):
            seq[i] = strength * seq[i - 1] + (1.0 - strength) * seq[i]
        out = seq[::direction]
    return out


def frame_affines(center: np.ndarray, zoom: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Affine maps ``(T, 2, 3)`` from image-plane pixels to frame pixels.

    Parameters
    ----------
    center : array (T, 2)
        Image-plane point shown at the frame centre.
    zoom : array (T,)
        Frame pixels per image-plane pixel.
    size : (width, height)
    """
    width, height = size
    n = len(zoom)
    affines = np.zeros((n, 2, 3))
    affines[:, 0, 0] = zoom
    affines[:, 1, 1] = zoom
    affines[:, 0, 2] = width / 2.0 - zoom * center[:, 0]
    affines[:, 1, 2] = height / 2.0 - zoom * center[:, 1]
    return affines


def visible_box(center: np.ndarray, zoom: np.ndarray, size: tuple[int, int], margin: float = 8.0) -> tuple[int, int, int, int]:
    """Bounding box ``(x0, y0, x1, y1)`` of the image plane seen over the whole path."""
    width, height = size
    half_w = width / (2.0 * zoom) + margin
    half_h = height / (2.0 * zoom) + margin
    x0 = int(np.floor(np.min(center[:, 0] - half_w)))
    x1 = int(np.ceil(np.max(center[:, 0] + half_w)))
    y0 = int(np.floor(np.min(center[:, 1] - half_h)))
    y1 = int(np.ceil(np.max(center[:, 1] + half_h)))
    return x0, y0, x1, y1
