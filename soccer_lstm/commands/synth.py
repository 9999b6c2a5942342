"""``soccer-lstm synth``: render the built-in broadcast-style soccer data set, or its preview."""
from __future__ import annotations

import re

import click


class _Size(click.ParamType):
    """``WxH`` frame size, e.g. ``320x240``."""

    name = "WxH"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", str(value))
        if not match:
            self.fail(f"{value!r} is not a size like 320x240", param, ctx)
        return int(match.group(1)), int(match.group(2))


class _Range(click.ParamType):
    """``MIN-MAX`` clip length in frames, e.g. ``40-60`` (or a single number)."""

    name = "MIN-MAX"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(value))
        if not match:
            self.fail(f"{value!r} is not a frame range like 40-60", param, ctx)
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            self.fail(f"{value!r}: MIN is larger than MAX", param, ctx)
        return low, high


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, writable=True), default=None,
              help="Folder to write DIR/<class>/<class>_<nnn>.avi (or, with --games, the games) into (required unless only --preview).")
@click.option("--clips-per-class", type=click.IntRange(min=1), default=25, show_default=True,
              help="Clips of each of the four classes (MICC-Soccer-Actions-4 has 25).")
@click.option("--seed", type=int, default=0, show_default=True, help="Data-set seed; the same seed gives identical files.")
@click.option("--size", type=_Size(), default=None, help="Frame size WxH  [default: 320x240 for clips, 398x224 for games].")
@click.option("--frames", "frame_range", type=_Range(), default="40-60", show_default=True,
              help="Clip length range in frames, MIN-MAX inclusive.")
@click.option("--fps", type=click.IntRange(min=1, max=120), default=25, show_default=True,
              help="Frame rate (whole frames per second).")
@click.option("--preview", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write a PNG contact sheet: one clip per class, frames across time.")
@click.option("--games", type=click.IntRange(min=1), default=None,
              help="Render this many whole games instead of clips, in SoccerNet's layout: "
                   "DIR/game_<nnn>/1_<height>p.mp4 (mp4v) and Labels-v2.json.")
@click.option("--minutes", type=click.FloatRange(min=0.05), default=5.0, show_default=True,
              help="With --games: length of each half in minutes.")
@click.option("--halves", type=click.IntRange(min=1, max=2), default=1, show_default=True,
              help="With --games: halves per game, one video each.")
@click.option("--gap", "gap", type=_Range(), default="15-50", show_default=True,
              help="With --games: seconds of open play between two actions, MIN-MAX.")
@click.pass_context
def synth(ctx: click.Context, out_dir: str | None, clips_per_class: int, seed: int, size: tuple[int, int] | None,
          frame_range: tuple[int, int], fps: int, preview: str | None, games: int | None, minutes: float,
          halves: int, gap: tuple[int, int]) -> None:
    """Render broadcast-style soccer clips of goal-kick, placed-kick, shot-on-goal and throw-in.

    The default data set of `make demo`: 25 clips per class, like MICC-Soccer-Actions-4. With
    --games N: N whole games of open play with those four actions at random times, each annotated
    at its instant (the kick, the shot, the release of the throw).
    """
    from soccer_lstm.errors import UserError
    from soccer_lstm.synth import render_dataset, write_preview

    if out_dir is None and preview is None:
        raise UserError("synth: give --out DIR to render clips, or --preview FILE.png, or both")
    quiet = bool((ctx.obj or {}).get("quiet", False))
    if games is not None:
        if out_dir is None:
            raise UserError("synth: --games needs --out DIR")
        from soccer_lstm.spotting.games import DEFAULT_SIZE, render_games

        rendered = render_games(out_dir, games=games, minutes=minutes, seed=seed, size=size or DEFAULT_SIZE,
                                fps=fps, halves=halves, gap=(float(gap[0]), float(gap[1])))
        if not quiet:
            for game in rendered:
                click.echo(f"{game.folder}: {len(game.events)} actions, {game.frames} frames rendered in "
                           f"{game.seconds:.1f} s ({game.frames_per_second:.0f} frames/s)")
        size = size or DEFAULT_SIZE
        out_dir = None
    size = size or (320, 240)
    if preview is not None:
        path = write_preview(preview, seed=seed, size=size)
        if not quiet:
            click.echo(f"preview: {path}")
    if out_dir is not None:
        paths = render_dataset(out_dir, clips_per_class=clips_per_class, seed=seed, size=size, frames=frame_range,
                               fps=fps, progress=not quiet)
        if not quiet:
            click.echo(f"wrote {len(paths)} clips ({clips_per_class} per class, seed {seed}) to {out_dir}")
