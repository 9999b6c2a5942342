"""``soccer-lstm reproduce``: the paper's results table on a dataset, as a report folder."""
from __future__ import annotations

import shlex
import sys

import click

from soccer_lstm.cli_options import n_jobs_option, out_option, overwrite_option, seeds_type


@click.command()
@click.argument("experiment", type=click.Path(dir_okay=False))
@click.option("--data", required=True, type=click.Path(),
              help="Dataset folder (one subfolder per class) or CSV manifest (path,label[,group]).")
@out_option("Report folder: report.md, metrics.json, rates.png, confusion/*.png, rows/<id>/, features/.")
@click.option("--seeds", type=seeds_type, default="0,1,2", show_default=True, metavar="0,1,2",
              help="Repeat every row with these seeds (codebook and classifier); the folds stay fixed.")
@n_jobs_option
@click.option("--rows", "only", type=str, default=None, metavar="ID,ID",
              help="Run only these rows (ids from the experiment file).")
@click.option("--fresh", is_flag=True, help="Re-run rows whose saved results match their config.")
@click.option("--threads", type=click.IntRange(min=0), default=1, show_default=True,
              help="Threads for k-means, BLAS and TensorFlow in this process (0 = the libraries' defaults).")
@overwrite_option
@click.pass_context
def reproduce(ctx: click.Context, experiment: str, data: str, out: str, seeds: list[int], n_jobs: int,
              only: str | None, fresh: bool, threads: int, overwrite: bool) -> None:
    """Run every row of EXPERIMENT (e.g. experiments/paper.toml) on DATA under one protocol.

    Features are extracted once; every row is cross-validated on the same folds for every seed;
    the report puts the paper's rate beside ours. Finished rows are kept: run it again to resume.
    """
    from soccer_lstm.evaluation.report import format_table
    from soccer_lstm.evaluation.reproduce import run_reproduce

    quiet = ctx.find_root().obj.get("quiet")
    verbose = ctx.find_root().obj.get("verbose", 0)

    def say(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    rows = [r.strip() for r in only.split(",") if r.strip()] if only else None
    command = "soccer-lstm " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else None
    result = run_reproduce(experiment, data, out, seeds=seeds, n_jobs=n_jobs, only=rows, fresh=fresh,
                           verbose=1 if verbose > 1 else 0, command=command, say=say,
                           threads=threads or None, overwrite=overwrite)
    click.echo(format_table(result.rows))
    say(f"report: {result.paths['report']}")
    if result.failed:
        raise click.exceptions.Exit(1)
