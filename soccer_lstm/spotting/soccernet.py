"""SoccerNet-v2's action-spotting files: ``Labels-v2.json`` (annotations) and ``results_spotting.json``.

Both hold a list of events, each a timestamp within one half of a game:

- ``Labels-v2.json``: ``{"UrlLocal": ..., "annotations": [{"gameTime": "1 - 05:30", "label": ...,
  "position": "330000", "team": ..., "visibility": "visible"}, ...]}``;
- ``results_spotting.json``: ``{"UrlLocal": ..., "predictions": [{"gameTime": "1 - 05:31",
  "label": ..., "position": "331000", "half": "1", "confidence": "0.87"}, ...]}``.

``position`` is milliseconds from the start of the half, written as an integer string, because the
official evaluation parses it with ``int()``. The half of an annotation comes from its ``gameTime``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from soccer_lstm.artifacts import atomic_write
from soccer_lstm.errors import UserError

LABELS_FILE = "Labels-v2.json"
PREDICTIONS_FILE = "results_spotting.json"
_GAME_TIME = re.compile(r"\s*(\d+)\s*-\s*(\d+):(\d{1,2})\s*")
_HALF_VIDEO = re.compile(r"^(\d+)_")


@dataclass(frozen=True)
class Event:
    """One action at one instant: a ground-truth annotation or a prediction.

    Attributes
    ----------
    half : int
        1 or 2 (any positive number is kept).
    position_ms : int
        Milliseconds from the start of the half.
    label : str
        The action's class.
    confidence : float
        The prediction's score (1.0 for annotations).
    visibility : str
        ``"visible"`` or ``"not shown"`` (annotations only).
    team : str
        ``"home"``, ``"away"`` or ``"not applicable"`` (annotations only).
    """

    half: int
    position_ms: int
    label: str
    confidence: float = 1.0
    visibility: str = "visible"
    team: str = "not applicable"

    @property
    def seconds(self) -> float:
        """Seconds from the start of the half."""
        return self.position_ms / 1000.0

    @property
    def game_time(self) -> str:
        """SoccerNet's ``"half - mm:ss"``."""
        return game_time(self.half, self.position_ms)


def game_time(half: int, position_ms: int) -> str:
    """``"1 - 05:30"`` for half 1 at 330 000 ms (minutes keep counting past 59, as SoccerNet's do)."""
    seconds = int(position_ms) // 1000
    return f"{int(half)} - {seconds // 60:02d}:{seconds % 60:02d}"


def half_number(path: str | Path) -> int | None:
    """The half a video holds by SoccerNet's naming (``2_224p.mkv`` -> 2); None for another name."""
    match = _HALF_VIDEO.match(Path(path).name)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def half_of_video(path: str | Path) -> int:
    """The half a video holds from its name in SoccerNet's layout (``2_224p.mkv`` -> 2); 1 otherwise."""
    return half_number(path) or 1


def _load(path: Path, key: str) -> tuple[dict, list]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read ({exc})") from None
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise UserError(f"{path}: not a SoccerNet file (no {key!r} list at the top level)")
    return data, data[key]


def _event(path: Path, i: int, item: object, key: str) -> Event:
    where = f"{path}: {key}[{i}]"
    if not isinstance(item, dict):
        raise UserError(f"{where} is not an object")
    label = item.get("label")
    if not isinstance(label, str) or not label:
        raise UserError(f"{where} has no label")
    try:
        position = int(str(item.get("position")).strip())
    except ValueError:
        raise UserError(f"{where}: position {item.get('position')!r} is not a whole number of milliseconds") from None
    if position < 0:
        raise UserError(f"{where}: position {position} is negative")
    half = None
    if "half" in item:
        try:
            half = int(str(item["half"]).strip())
        except ValueError:
            raise UserError(f"{where}: half {item['half']!r} is not a number") from None
    match = _GAME_TIME.fullmatch(str(item.get("gameTime", "")))
    if half is None:
        if match is None:
            raise UserError(f"{where}: gameTime {item.get('gameTime')!r} is not like '1 - 05:30'")
        half = int(match.group(1))
    if half < 1:
        raise UserError(f"{where}: half {half} is not 1 or more")
    try:
        confidence = float(item.get("confidence", 1.0))
    except (TypeError, ValueError):
        raise UserError(f"{where}: confidence {item.get('confidence')!r} is not a number") from None
    return Event(half=half, position_ms=position, label=label, confidence=confidence,
                 visibility=str(item.get("visibility", "visible")), team=str(item.get("team", "not applicable")))


def read_labels(path: str | Path) -> tuple[str, list[Event]]:
    """Read a ``Labels-v2.json``: ``(UrlLocal, events sorted by half and time)``.

    Raises
    ------
    UserError
        Naming the file and what is wrong, when it is missing, is not JSON or an event is malformed.
    """
    path = Path(path)
    data, items = _load(path, "annotations")
    events = [_event(path, i, item, "annotations") for i, item in enumerate(items)]
    return str(data.get("UrlLocal", "")), sorted(events, key=lambda e: (e.half, e.position_ms, e.label))


def read_predictions(path: str | Path, sort: bool = True) -> tuple[str, list[Event]]:
    """Read a ``results_spotting.json``: ``(UrlLocal, events sorted by half and time)``.

    With ``sort=False`` the events keep the file's order, which the official evaluation depends on
    when two predictions of a class fall in the same half-second (the later one in the file wins).
    """
    path = Path(path)
    data, items = _load(path, "predictions")
    events = [_event(path, i, item, "predictions") for i, item in enumerate(items)]
    if sort:
        events = sorted(events, key=lambda e: (e.half, e.position_ms, e.label))
    return str(data.get("UrlLocal", "")), events


def labels_json(events: Iterable[Event], url_local: str = "") -> dict:
    """The ``Labels-v2.json`` object for ``events``."""
    return {"UrlLocal": url_local,
            "annotations": [{"gameTime": e.game_time, "label": e.label, "position": str(int(e.position_ms)),
                             "team": e.team, "visibility": e.visibility}
                            for e in sorted(events, key=lambda e: (e.half, e.position_ms, e.label))]}


def predictions_json(events: Iterable[Event], url_local: str = "") -> dict:
    """The ``results_spotting.json`` object for ``events`` (integer-string positions, as the evaluator needs)."""
    return {"UrlLocal": url_local,
            "predictions": [{"gameTime": e.game_time, "label": e.label, "position": str(int(e.position_ms)),
                             "half": str(int(e.half)), "confidence": f"{float(e.confidence):.6f}"}
                            for e in sorted(events, key=lambda e: (e.half, e.position_ms, e.label))]}


def _write(path: Path, data: dict) -> None:
    with atomic_write(path, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


def write_labels(path: str | Path, events: Iterable[Event], url_local: str = "") -> None:
    """Write ``Labels-v2.json`` atomically."""
    _write(Path(path), labels_json(events, url_local))


def write_predictions(path: str | Path, events: Iterable[Event], url_local: str = "") -> None:
    """Write ``results_spotting.json`` atomically."""
    _write(Path(path), predictions_json(events, url_local))
