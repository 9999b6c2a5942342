"""Games without the cut shortcut: most actions happen inside a continuous wide shot.

Measured twice on rendered games: with the renderer's own shot list, and with frame differencing on
the written video (what a spotter sees).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from soccer_lstm.spotting.cuts import CutsSpotter, video_cuts
from soccer_lstm.spotting.games import render_games
from soccer_lstm.spotting.soccernet import read_labels
from soccer_lstm.synth.game import game_seed, plan_half

SEED, GAMES, MINUTES, SIZE, FPS = 5, 3, 3.0, (160, 90), 10


@pytest.fixture(scope="module")
def games(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("games")
    render_games(out, games=GAMES, minutes=MINUTES, seed=SEED, size=SIZE, fps=FPS)
    return out


def _shares(actions: list[list[float]], cuts: list[list[float]]) -> tuple[float, float, int, int]:
    """(actions with a cut in the 5 s before their instant, cuts 10 s or more from every action) as shares."""
    before = sum(any(0 < a - c <= 5 for c in cut) for act, cut in zip(actions, cuts) for a in act)
    far = sum(all(abs(c - a) >= 10 for a in act) for act, cut in zip(actions, cuts) for c in cut)
    n_actions, n_cuts = sum(map(len, actions)), sum(map(len, cuts))
    return before / n_actions, far / n_cuts, n_actions, n_cuts


def test_most_actions_come_inside_a_wide_shot_by_the_shot_list() -> None:
    halves = [plan_half(game_seed(SEED, g), 1, MINUTES, SIZE, FPS) for g in range(GAMES)]
    actions = [[a.seconds for a in half.actions] for half in halves]
    cuts = [[c / FPS for c in half.cuts] for half in halves]
    before, far, n_actions, n_cuts = _shares(actions, cuts)
    assert n_actions >= 12 and n_cuts >= 20
    assert before <= 1 / 3
    assert far >= 2 / 3
    # the director also cuts to close-ups and replays, and follows play into set pieces in one shot
    kinds = {shot.kind for half in halves for shot in half.shots}
    assert {"wide", "close-up"} <= kinds
    assert any(len([p for p in shot.parts if p.kind != "open-play"]) >= 1 and shot.parts[0].kind == "open-play"
               for half in halves for shot in half.shots if shot.kind == "wide")


def test_frame_differencing_sees_the_same_cuts_and_the_same_shares(games: Path) -> None:
    actions, detected = [], []
    for g in range(GAMES):
        folder = games / f"game_{g:03d}"
        half = plan_half(game_seed(SEED, g), 1, MINUTES, SIZE, FPS)
        found = video_cuts(folder / "1_90p.mp4")
        assert found.n_frames == half.n_frames
        planned = np.array(half.cuts) / FPS
        # every planned cut is found (within a frame), and nothing much else is
        assert all(np.min(np.abs(planned - c)) <= 1.01 / FPS for c in found.cuts), (planned, found.cuts)
        assert len(found.cuts) >= 0.9 * len(planned)
        actions.append([e.seconds for e in read_labels(folder / "Labels-v2.json")[1]])
        detected.append(list(found.cuts))
    before, far, n_actions, n_cuts = _shares(actions, detected)
    assert before <= 1 / 3
    assert far >= 2 / 3


def test_the_cuts_only_spotter_learns_a_delay_per_class_and_puts_one_event_per_class_at_each_cut(games: Path) -> None:
    folder = games / "game_000"
    cuts = video_cuts(folder / "1_90p.mp4")
    spotter = CutsSpotter().fit([(cuts, read_labels(folder / "Labels-v2.json")[1])])
    assert set(spotter.delays_) <= {"goal-kick", "placed-kick", "shot-on-goal", "throw-in"}
    assert all(d >= 0 for d in spotter.delays_.values())
    events = spotter.predict(cuts, half=2)
    assert events and {e.half for e in events} == {2}
    assert len(events) <= len(cuts.cuts) * len(spotter.delays_)
    assert all(0 <= e.seconds < cuts.seconds for e in events)
