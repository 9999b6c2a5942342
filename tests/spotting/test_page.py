"""``spot --html``: the page per game, checked in headless Chromium (events rendered, a click seeks the video).

The Chromium checks load a copy of the page into which a small probe script is injected: it waits
until the video has loaded or failed, clicks an event row, a marker and the timeline, and writes
what the video's ``currentTime`` became into the DOM, which ``chromium --dump-dom`` prints. No check
depends on how long anything takes: the probe polls, and Chromium runs under a generous timeout.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from clipgen import clip_frames, write_avi
from helpers import run_cli
from soccer_lstm.spotting.page import PAGE_FILE, convert_command, write_game_page
from soccer_lstm.spotting.soccernet import Event, write_labels
from soccer_lstm.spotting.timeline import save_timeline
from stage_fixtures import small_run  # noqa: F401 (fixture)

CLASSES = ["background", "shot-on-goal", "throw-in"]
FPS, SECONDS = 8, 12


def chromium() -> str:
    """The Chromium executable (``make test`` installs Debian's ``chromium`` where it is missing)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; `make test` tries to) and could not be")
    return found


def write_video(path: Path, fourcc: str) -> Path:
    """``SECONDS`` of 64x48 frames at ``FPS``, each frame a different grey (a seek shows another picture)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, (64, 48))
    if not writer.isOpened():
        pytest.skip(f"OpenCV cannot write {fourcc} here")
    for i in range(SECONDS * FPS):
        writer.write(np.full((48, 64, 3), (i * 3) % 256, np.uint8))
    writer.release()
    return path


def write_timeline(path: Path, video: Path, half: int, peaks: dict[int, float]) -> None:
    """Per-frame probabilities at frame step 2: background everywhere but around ``peaks`` (time -> class)."""
    times = np.arange(SECONDS * FPS // 2) * 2 / FPS
    probabilities = np.tile(np.array([0.9, 0.05, 0.05], np.float32), (len(times), 1))
    for c, seconds in peaks.items():
        near = np.abs(times - seconds) < 1.0
        probabilities[near] = 0.1
        probabilities[near, c] = 0.8
    save_timeline(path, times, probabilities, CLASSES, {"video": str(video), "half": half, "fps": FPS})


@pytest.fixture()
def game_page(tmp_path: Path) -> Path:
    """A game of two halves: half 1 a WebM (VP9, playable), half 2 an MJPG AVI (which browsers cannot play)."""
    game = tmp_path / "games" / "game 000"          # a space: the video links must be URL-quoted
    game.mkdir(parents=True)
    first = write_video(game / "1_48p.webm", "VP90")
    second = write_video(game / "2_48p.avi", "MJPG")
    out = tmp_path / "out" / "game 000"
    write_timeline(out / "timeline_1.npz", first, 1, {1: 3.0, 2: 8.0})
    write_timeline(out / "timeline_2.npz", second, 2, {2: 5.0})
    events = [Event(1, 3000, "shot-on-goal", 0.8), Event(1, 8000, "throw-in", 0.8), Event(2, 5000, "throw-in", 0.8)]
    annotations = [Event(1, 3500, "shot-on-goal"), Event(2, 4500, "throw-in"), Event(3, 100, "throw-in")]
    return write_game_page(out, [out / "timeline_2.npz", out / "timeline_1.npz"], events, annotations, "background")


# --------------------------------------------------------------------------- the page's content
def test_the_page_is_self_contained_and_lists_every_event(game_page: Path) -> None:
    text = game_page.read_text()
    assert game_page.name == PAGE_FILE
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text) and "@import" not in text
    assert '<source src="../../games/game%20000/1_48p.webm">' in text
    assert '<source src="../../games/game%20000/2_48p.h264.mp4">' in text
    assert len(re.findall(r'<tr class="event spotted"', text)) == 3
    assert len(re.findall(r'<tr class="event annotated"', text)) == 2          # not the half 3 one: no video
    assert len(re.findall(r'class="marker seek"', text)) == 3
    assert [m for m in re.findall(r'<section class="half" data-half="(\d)"', text)] == ["1", "2"]
    assert html.escape(convert_command(Path("2_48p.avi"))) in text


def test_a_frame_folder_gets_a_page_without_a_player(tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    write_timeline(tmp_path / "out" / "timeline.npz", frames, 1, {1: 2.0})
    page = write_game_page(tmp_path / "out", [tmp_path / "out" / "timeline.npz"], [Event(1, 2000, "shot-on-goal", 0.8)])
    text = page.read_text()
    assert "<source" not in text and "frame folder" in text and 'class="event spotted"' in text


def test_a_long_half_is_drawn_with_few_points_and_keeps_its_peaks(tmp_path: Path) -> None:
    from soccer_lstm.spotting.page import MAX_POINTS, TOP

    times = np.arange(40_000) / 12.5                                  # 53 minutes at frame step 2
    probabilities = np.tile(np.array([0.9, 0.05, 0.05], np.float32), (len(times), 1))
    probabilities[12_345] = [0.0, 1.0, 0.0]                            # one frame: a peak to 1.0
    save_timeline(tmp_path / "timeline.npz", times, probabilities, CLASSES, {"half": 1})
    text = write_game_page(tmp_path, [tmp_path / "timeline.npz"], []).read_text()
    curves = re.findall(r'<polyline class="curve" points="([^"]*)"', text)
    assert len(curves) == 3 and all(0 < len(c.split()) <= MAX_POINTS for c in curves)
    heights = [float(point.split(",")[1]) for point in curves[1].split()]
    assert min(heights) == pytest.approx(TOP) and len(text) < 200_000      # the one-frame peak is drawn


def test_spot_html_writes_one_page_per_game_with_both_halves(small_run: dict[str, Path], tmp_path: Path) -> None:
    game = tmp_path / "games" / "game_000"
    for half in (1, 2):
        write_avi(game / f"{half}_72p.avi", [f for c in ("pan-left", "still", "pan-right")
                                             for f in clip_frames(c, 10 * half, n_frames=8)], fps=10)
    write_labels(game / "Labels-v2.json", [Event(1, 400, "pan-left"), Event(2, 2000, "pan-right")], "game_000/")
    out = tmp_path / "out"
    result = run_cli("spot", "--model", small_run["model"], tmp_path / "games", "-o", out, "--background", "still",
                     "--html", "--min-confidence", "0", quiet=False)
    assert result.exit_code == 0, result.output
    page = out / "game_000" / PAGE_FILE
    assert f"page: {page}" in result.output
    text = page.read_text()
    assert [m for m in re.findall(r'<section class="half" data-half="(\d)"', text)] == ["1", "2"]
    assert '<source src="../../games/game_000/1_72p.avi">' in text and "2_72p.avi" in text
    assert len(re.findall(r'<tr class="event annotated"', text)) == 2 and text.count('<polyline') == 6
    spotted = json.loads((out / "game_000" / "results_spotting.json").read_text())["predictions"]
    assert len(re.findall(r'<tr class="event spotted"', text)) == len(spotted)
    assert run_cli("spot", "--model", small_run["model"], tmp_path / "games", "-o", tmp_path / "plain",
                   "--background", "still").exit_code == 0
    assert not (tmp_path / "plain" / "game_000" / PAGE_FILE).exists()


# --------------------------------------------------------------------------- in headless Chromium
PROBE = """<script>
(function(){
  var out=document.createElement('pre'); out.id='probe'; document.body.appendChild(out);
  var results={};
  function done(){ results.tries=tries; out.textContent=JSON.stringify(results); }
  function visible(e){ var r=e.getBoundingClientRect(); return r.width>0&&r.height>0; }
  function click(e, x, y){ e.dispatchEvent(new MouseEvent('click', {bubbles:true, clientX:x||0, clientY:y||0})); }
  var one=document.querySelector('section.half[data-half="1"]'), two=document.querySelector('section.half[data-half="2"]');
  var video1=one.querySelector('video'), video2=two.querySelector('video'), tries=0;
  results.rows=Array.prototype.filter.call(one.querySelectorAll('tr.event.spotted'), visible).length;
  results.markers=Array.prototype.filter.call(one.querySelectorAll('path.marker'), visible).length;
  video1.addEventListener('seeked', function(){ results.seeked=video1.currentTime; });
  function later(f){ if(++tries<200){ setTimeout(f, 100); } else { results.timeout=true; done(); } }
  function loaded(){  // both videos have loaded or failed
    if(!one.dataset.video || !two.dataset.video){ later(loaded); return; }
    results.video1=one.dataset.video; results.duration1=video1.duration;
    var row=one.querySelectorAll('tr.event.spotted')[1];
    row.click(); results.row_t=+row.dataset.t; results.row=video1.currentTime;
    seeked();
  }
  var waits=0;
  function seeked(){  // the seek has completed (a video that plays fires 'seeked'), or 5 s of virtual time went by
    if(results.video1==='ok' && results.seeked===undefined && ++waits<50){ later(seeked); return; }
    var marker=two.querySelector('path.marker'); click(marker);
    results.half2_shown=!two.hidden && one.hidden; results.marker_t=+marker.dataset.t; results.marker=video2.currentTime;
    var svg=one.querySelector('svg.timeline'); two.hidden=true; one.hidden=false;
    var p=svg.createSVGPoint(); p.x=+svg.dataset.left+svg.dataset.width/2; p.y=50;
    p=p.matrixTransform(svg.getScreenCTM()); click(svg, p.x, p.y);
    results.timeline_t=svg.dataset.duration/2; results.timeline=video1.currentTime;
    results.video2=two.dataset.video; results.error2_shown=!two.querySelector('.video-error').hidden;
    done();
  }
  window.addEventListener('load', function(){ setTimeout(loaded, 100); });
})();
</script>"""


def probe(page: Path, tmp_path: Path) -> dict:
    """Open a copy of ``page`` with the probe script in headless Chromium; what the probe wrote."""
    copy = page.with_name("probe.html")
    copy.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--mute-audio", "--no-first-run",
               f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=30000", "--dump-dom",
               copy.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found and found.group(1), (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    return json.loads(html.unescape(found.group(1)))


def test_chromium_renders_the_events_and_a_click_seeks_the_video(game_page: Path, tmp_path: Path) -> None:
    seen = probe(game_page, tmp_path)
    assert not seen.get("timeout"), seen
    assert seen["rows"] == 2 and seen["markers"] == 2, seen
    # Half 1 is a WebM: it plays, and clicking its second event seeks there.
    assert seen["video1"] == "ok" and seen["duration1"] == pytest.approx(SECONDS, abs=0.5), seen
    assert seen["row_t"] == 8.0 and seen["row"] == pytest.approx(8.0, abs=0.2), seen
    # Under virtual time a loaded machine may not finish decoding the seek before the probe goes on;
    # where the 'seeked' event came, it came at the clicked time.
    assert seen.get("seeked", 8.0) == pytest.approx(8.0, abs=0.2), seen
    # A marker of half 2 switches to half 2 and sets where its video starts.
    assert seen["half2_shown"] and seen["marker"] == pytest.approx(seen["marker_t"], abs=0.01), seen
    # A click in the middle of the timeline seeks to the middle of the half.
    assert seen["timeline"] == pytest.approx(seen["timeline_t"], abs=0.3), seen
    # Half 2 is an MJPG AVI: the page says it cannot be played, and how to convert it.
    assert seen["video2"] == "error" and seen["error2_shown"], seen
