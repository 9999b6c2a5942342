"""``soccer-lstm reproduce``: the paper's results table on a dataset, as a report folder."""
from __future__ import annotations

import shlex
import sys

import click

from typing import Any

from soccer_lstm.cli_options import config_file_option, out_option, overwrite_option, run_config, run_options


@click.command()
@click.argument("experiment", type=click.Path(dir_okay=False))
@click.option("--data", required=True, type=click.Path(),
              help="Dataset folder (one subfolder per class) or CSV manifest (path,label[,group]).")
@out_option("Report folder: report.md, metrics.json, rates.png, confusion/*.png, rows/<id>/, features/.")
@run_options("seeds", "n_jobs", "threads")
@click.option("--rows", "only", type=str, default=None, metavar="ID,ID",
              help="Run only these rows (ids from the experiment file).")
@click.option("--fresh", is_flag=True, help="Re-run rows whose saved results match their config.")
@overwrite_option
@config_file_option
@click.pass_context
def reproduce(ctx: click.Context, experiment: str, data: str, out: str, only: str | None, fresh: bool,
              overwrite: bool, **options: Any) -> None:
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
    run = run_config(options)
    result = run_reproduce(experiment, data, out, seeds=run.seed_list(), n_jobs=run.n_jobs, threads=run.threads or None,
                           only=rows, fresh=fresh,
                           verbose=1 if verbose > 1 else 0, command=command, say=say, overwrite=overwrite)
    click.echo(format_table(result.rows))
    say(f"report: {result.paths['report']}")
    if result.failed:
        raise click.exceptions.Exit(1)
