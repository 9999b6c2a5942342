"""``spot --html``: one self-contained page per game to watch what was spotted.

``OUT/<game>/index.html`` holds, per half, the video (a relative link from the page to the local
file), an inline SVG of each class's probability over time (from the ``timeline_<half>.npz`` that
``spot`` wrote), the spotted events as triangles and, when the game has a ``Labels-v2.json``, the
annotations as dashed lines; below it a table of every event. A click on an event, a row or the
timeline seeks the video there; a selector switches between the halves.

Nothing is fetched: the CSS, the script and the drawing are inline, so the page works offline and
from ``file://``. Browsers play WebM (VP8/VP9) and H.264 MP4 but not AVI/MJPG nor MPEG-4 part 2
(``mp4v``); when the video does not load, the page says so and gives the ffmpeg command that makes a
playable copy beside it (``<stem>.h264.mp4``), which the page then tries first.
"""
from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

import numpy as np

from soccer_lstm.artifacts import atomic_write
from soccer_lstm.spotting.soccernet import Event

PAGE_FILE = "index.html"
MAX_POINTS = 1500            # curve points per class and half: a 45-minute half would be 34 000
WIDTH, HEIGHT = 1000, 230    # the SVG's drawing units (it scales to the page's width)
LEFT, RIGHT, TOP, BOTTOM = 38, 8, 14, 24
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf")
BACKGROUND_COLOUR = "#a0a0a0"
PLAYABLE_SUFFIX = ".h264.mp4"


@dataclass
class PageHalf:
    """One half on the page: its video (None for a frame folder) and its per-frame probabilities."""

    half: int
    video: Path | None
    times: np.ndarray
    probabilities: np.ndarray


def playable_copy(video: Path) -> Path:
    """Where the page looks first for a browser-playable copy of ``video`` (``1_224p.h264.mp4``)."""
    return video.with_name(video.stem + PLAYABLE_SUFFIX)


def convert_command(video: Path) -> str:
    """The ffmpeg command that writes :func:`playable_copy` of ``video`` (H.264, plays in every browser)."""
    source, target = video.name, playable_copy(video).name
    return (f"ffmpeg -i '{source}' -c:v libx264 -pix_fmt yuv420p -crf 28 -preset veryfast -an "
            f"-movflags +faststart '{target}'")


def write_game_page(folder: str | os.PathLike, timelines: Sequence[str | os.PathLike], events: Sequence[Event],
                    annotations: Sequence[Event] = (), background: str | None = None, title: str = "") -> Path:
    """Write ``folder/index.html`` for the halves whose ``timeline.npz`` files are given; return its path.

    Parameters
    ----------
    folder : path-like
        The game's output folder (the video links are relative to it).
    timelines : sequence of path-like
        ``timeline_<half>.npz`` (or ``timeline.npz``) files written by ``spot``; each names its video
        and half in its metadata.
    events : sequence of Event
        The spotted events of those halves.
    annotations : sequence of Event
        The game's annotations (``Labels-v2.json``); those of other halves are left out.
    background : str, optional
        The class drawn grey and never listed.
    title : str
        The page's heading (default: the folder's name).
    """
    from soccer_lstm.spotting.timeline import load_timeline

    folder = Path(folder)
    halves, classes = [], []
    for path in timelines:
        times, probabilities, classes, meta = load_timeline(path)
        video = Path(meta["video"]).resolve() if meta.get("video") else None
        halves.append(PageHalf(int(meta.get("half", 1)), video if video is not None and video.is_file() else None,
                               times, probabilities))
    halves.sort(key=lambda h: h.half)
    page = folder / PAGE_FILE
    with atomic_write(page, "w") as handle:
        handle.write(render_page(halves, classes, events, annotations, background, title or folder.name, folder))
    return page


def render_page(halves: Sequence[PageHalf], classes: Sequence[str], events: Sequence[Event],
                annotations: Sequence[Event], background: str | None, title: str, folder: Path) -> str:
    """The page's HTML (see :func:`write_game_page`)."""
    colours = _colours(classes, background)
    shown = {h.half for h in halves}
    listed = [e for e in annotations if e.half in shown]
    selector = "".join(f'<button type="button" class="half-button" data-half="{h.half}">Half {h.half}</button>'
                       for h in halves) if len(halves) > 1 else ""
    legend = "".join(f'<span class="key"><i style="background:{colours[c]}"></i>{html.escape(c)}</span>'
                     for c in classes)
    sections = "".join(_half_section(h, classes, colours, [e for e in events if e.half == h.half],
                                     [e for e in listed if e.half == h.half], background, folder, i == 0)
                       for i, h in enumerate(halves))
    summary = (f"{len(events)} spotted events" + (f", {len(listed)} annotated" if listed else "")
               + (f" in {len(halves)} halves" if len(halves) > 1 else ""))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(title)}: spotted actions</title><style>{_CSS}</style></head>\n'
            f'<body><header><h1>{html.escape(title)}</h1><p>{summary}. Click an event, a row or the timeline to '
            f'jump there in the video.</p><nav>{selector}</nav><p class="legend">{legend}'
            f'<span class="key"><i class="tri"></i>spotted</span>'
            f'<span class="key"><i class="dash"></i>annotated</span></p></header>\n{sections}'
            f'<script>{_SCRIPT}</script></body></html>\n')


def _colours(classes: Sequence[str], background: str | None) -> dict[str, str]:
    colours, others = {}, 0
    for label in classes:
        if label == background:
            colours[label] = BACKGROUND_COLOUR
        else:
            colours[label] = PALETTE[others % len(PALETTE)]
            others += 1
    return colours


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def _score(event: Event) -> str:
    return f"{event.confidence:.2f}"


def _visibility(event: Event) -> str:
    """An annotation's last column: empty unless SoccerNet marks the action as not shown."""
    return "" if event.visibility == "visible" else html.escape(event.visibility)


def _downsample(times: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most MAX_POINTS points: the highest probability of each run of frames, so no peak is lost."""
    if len(times) <= MAX_POINTS:
        return times, probabilities
    step = -(-len(times) // MAX_POINTS)
    starts = np.arange(0, len(times), step)
    return times[starts], np.maximum.reduceat(probabilities, starts, axis=0)


def _half_section(half: PageHalf, classes: Sequence[str], colours: dict[str, str], events: Sequence[Event],
                  annotations: Sequence[Event], background: str | None, folder: Path, first: bool) -> str:
    duration = max([float(half.times[-1]) if len(half.times) else 0.0]
                   + [e.seconds for e in [*events, *annotations]] + [1.0])
    svg = _timeline_svg(half, classes, colours, events, annotations, duration)
    rows = sorted([(e.seconds, "spotted", e) for e in events if e.label != background]
                  + [(e.seconds, "annotated", e) for e in annotations], key=lambda row: (row[0], row[1]))
    table = "".join(
        f'<tr class="event {kind}" tabindex="0" data-half="{half.half}" data-t="{t:.3f}">'
        f'<td>{_clock(t)}</td><td><i style="background:{colours.get(e.label, "#000")}"></i>{html.escape(e.label)}</td>'
        f'<td>{kind}</td><td>{_score(e) if kind == "spotted" else _visibility(e)}</td></tr>'
        for t, kind, e in rows)
    return (f'<section class="half" data-half="{half.half}"{"" if first else " hidden"}>'
            f'<h2>Half {half.half}</h2>{_player(half.video, folder)}{svg}'
            f'<table><thead><tr><th>time</th><th>class</th><th>event</th><th>confidence</th></tr></thead>'
            f'<tbody>{table}</tbody></table></section>\n')


def _player(video: Path | None, folder: Path) -> str:
    if video is None:
        return ('<p class="note">No video file to show: this half was spotted from a frame folder, or its video '
                'has moved. The timeline and the events are below.</p><video class="player" hidden></video>')
    sources = "".join(f'<source src="{_link(p, folder)}">' for p in (playable_copy(video), video))
    return (f'<video class="player" controls preload="metadata">{sources}</video>'
            f'<div class="video-error" hidden><b>This browser cannot play {html.escape(video.name)}</b> '
            f'(or the file is not at {html.escape(os.path.relpath(video, folder.resolve()))}, relative to this page). '
            f'Browsers play WebM (VP8, VP9) and H.264 MP4, not AVI/MJPG nor MPEG-4 part 2 (mp4v). '
            f'Make a playable copy beside the video, then reload this page (it looks for that copy first):'
            f'<pre>cd {html.escape(_shell_quote(str(video.parent)))}\n{html.escape(convert_command(video))}</pre>'
            f'The timeline and the events below work without the video.</div>')


def _link(path: Path, folder: Path) -> str:
    """``path`` as a URL relative to ``folder`` (a space or a ``#`` in a name is escaped)."""
    return html.escape(quote(Path(os.path.relpath(path, folder.resolve())).as_posix()))


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _timeline_svg(half: PageHalf, classes: Sequence[str], colours: dict[str, str], events: Sequence[Event],
                  annotations: Sequence[Event], duration: float) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + plot_w * t / duration

    def y(p: float) -> float:
        return TOP + plot_h * (1.0 - p)

    parts = [f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>']
    for p in (0.0, 0.5, 1.0):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(p):.1f}" y2="{y(p):.1f}"/>'
                     f'<text class="axis" x="{LEFT - 4}" y="{y(p) + 4:.1f}" text-anchor="end">{p:g}</text>')
    step = _tick_step(duration)
    for tick in np.arange(0.0, duration + 1e-9, step):
        parts.append(f'<text class="axis" x="{x(tick):.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                     f'{_clock(tick)[:-2]}</text>')
    for note in annotations:
        colour = colours.get(note.label, "#000")
        parts.append(f'<line class="annotation seek" data-t="{note.seconds:.3f}" x1="{x(note.seconds):.1f}" '
                     f'x2="{x(note.seconds):.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{colour}">'
                     f'<title>annotated {html.escape(note.label)} at {_clock(note.seconds)}</title></line>')
    times, probabilities = _downsample(np.asarray(half.times, np.float64), np.asarray(half.probabilities, np.float64))
    for c, label in enumerate(classes):
        points = " ".join(f"{x(t):.1f},{y(p):.1f}" for t, p in zip(times, probabilities[:, c]))
        parts.append(f'<polyline class="curve" points="{points}" stroke="{colours[label]}"/>')
    for event in events:
        ex, ey = x(event.seconds), y(event.confidence)
        parts.append(f'<path class="marker seek" data-t="{event.seconds:.3f}" d="M{ex:.1f},{ey:.1f}l-6,-10h12z" '
                     f'fill="{colours.get(event.label, "#000")}"><title>{html.escape(event.label)} at '
                     f'{_clock(event.seconds)} ({event.confidence:.2f})</title></path>')
    parts.append(f'<line class="playhead" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}"/>')
    return (f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" data-left="{LEFT}" data-width="{plot_w}" '
            f'data-duration="{duration:.3f}" role="img" aria-label="class probabilities over time">'
            f'{"".join(parts)}</svg>')


def _tick_step(duration: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900):
        if duration / step <= 12:
            return float(step)
    return 1800.0


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1040px;padding:12px;color:#222}
h1{font-size:20px;margin:4px 0}h2{font-size:16px;margin:10px 0 6px}
nav button{font:inherit;padding:4px 12px;margin-right:6px;border:1px solid #888;background:#f4f4f4;cursor:pointer}
nav button.on{background:#1f77b4;color:#fff;border-color:#1f77b4}
.legend .key{margin-right:14px;white-space:nowrap}.key i,td i{display:inline-block;width:10px;height:10px;margin-right:4px}
.key i.tri{width:0;height:0;border:6px solid transparent;border-top:10px solid #555;border-bottom:0}
.key i.dash{width:0;height:12px;border-left:2px dashed #555}
video.player{width:100%;max-height:50vh;background:#000}
.video-error{background:#fff3cd;border:1px solid #e0c060;padding:8px 10px;margin:6px 0}
.video-error pre{background:#fff;padding:6px;overflow-x:auto;white-space:pre-wrap}
.note{background:#eef;padding:8px}
svg.timeline{width:100%;height:auto;display:block;cursor:crosshair;user-select:none}
.plot{fill:#fafafa;stroke:#ccc}.grid{stroke:#e4e4e4}.axis{font-size:11px;fill:#555}
.curve{fill:none;stroke-width:1.3}.annotation{stroke-width:2;stroke-dasharray:5 4;opacity:.75;cursor:pointer}
.marker{stroke:#000;stroke-width:.8;cursor:pointer}.playhead{stroke:#d00;stroke-width:1.5}
table{border-collapse:collapse;margin-top:8px;min-width:420px}
td,th{padding:2px 12px 2px 4px;text-align:left}th{border-bottom:1px solid #999}
tr.event{cursor:pointer}tr.event:hover,tr.event.now{background:#e8f0fa}tr.annotated td{color:#666}
"""

# Seeking works before the video has loaded (or when it cannot): currentTime then sets the
# default playback start position, which is where it starts once it plays.
_SCRIPT = """
(function(){
function section(h){return document.querySelector('section.half[data-half="'+h+'"]');}
function show(h){
  document.querySelectorAll('section.half').forEach(function(s){
    var on=s.dataset.half===String(h); var v=s.querySelector('video');
    if(!on&&v&&!v.paused){v.pause();} s.hidden=!on;});
  document.querySelectorAll('.half-button').forEach(function(b){b.classList.toggle('on',b.dataset.half===String(h));});
}
function seek(h,t){
  show(h); var v=section(h).querySelector('video');
  if(v){v.currentTime=t;}
  mark(section(h),t);
}
function mark(s,t){
  var svg=s.querySelector('svg.timeline'); var x=+svg.dataset.left+(+svg.dataset.width)*t/(+svg.dataset.duration);
  var head=svg.querySelector('.playhead'); head.setAttribute('x1',x); head.setAttribute('x2',x);
  s.querySelectorAll('tr.event').forEach(function(r){r.classList.toggle('now',Math.abs(+r.dataset.t-t)<0.05);});
}
document.querySelectorAll('.half-button').forEach(function(b){b.addEventListener('click',function(){show(b.dataset.half);});});
document.querySelectorAll('section.half').forEach(function(s){
  var h=s.dataset.half, v=s.querySelector('video'), svg=s.querySelector('svg.timeline');
  s.querySelectorAll('tr.event').forEach(function(r){
    r.addEventListener('click',function(){seek(h,+r.dataset.t);});
    r.addEventListener('keydown',function(e){if(e.key==='Enter'){seek(h,+r.dataset.t);}});});
  svg.addEventListener('click',function(e){
    var target=e.target.closest('.seek');
    if(target){seek(h,+target.dataset.t);return;}
    var p=svg.createSVGPoint(); p.x=e.clientX; p.y=e.clientY; p=p.matrixTransform(svg.getScreenCTM().inverse());
    var t=(p.x-svg.dataset.left)/svg.dataset.width*svg.dataset.duration;
    seek(h,Math.max(0,Math.min(+svg.dataset.duration,t)));});
  if(!v){return;}
  v.addEventListener('timeupdate',function(){mark(s,v.currentTime);});
  var sources=v.querySelectorAll('source'), box=s.querySelector('.video-error');
  function failed(){if(box){box.hidden=false;} s.dataset.video='error';}
  v.addEventListener('loadedmetadata',function(){if(box){box.hidden=true;} s.dataset.video='ok';});
  v.addEventListener('error',failed);
  if(sources.length){sources[sources.length-1].addEventListener('error',failed);}
});
var first=document.querySelector('section.half'); if(first){show(first.dataset.half);}
})();
"""
