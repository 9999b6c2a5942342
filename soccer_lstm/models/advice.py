"""What a finished training says about itself, in one line each: notes ``train`` prints.

Two things tripped users up (issue 26): validation switched off on a small set without a word (the
only sign was missing figures), and a best epoch in the first few, after which the model only
fits its training clips better, with nothing said about what to try. Each note is one line that
says what happened, why, and what it means or what to try.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

# A best epoch at or before this one "came early": the validation loss was lowest almost at once.
EARLY_EPOCHS = 3

# What to try. Measured on the basketball clips (docs/results.md, "When the best epoch comes early"):
# a 10 times lower learning rate and more dropout left cross-validated accuracy where it was (within
# one standard deviation of the fold runs), so the line says so and points to what is left.
EARLY_ADVICE = ("on real basketball clips a 10x lower --learning-rate or --dropout 0.5 did not raise cross-validated "
                "accuracy (docs/results.md), so try more clips per class, or --ensemble 3")


def validation_note(classifier: Any, labels: Sequence[Any]) -> str | None:
    """Why a classifier asked for a validation part trained without one, and what that means; None
    when it had one or was asked for none (``validation_split=0``)."""
    share = float(getattr(classifier, "validation_split", 0.0))
    if share <= 0 or "val_loss" in getattr(classifier, "history_", {}):
        return None
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    n_val = int(round(share * len(labels)))
    if counts.min() < 2:
        why = (f"a class has {counts.min()} clip, too few to hold one out")
    else:
        why = (f"{len(labels)} clips x --validation-split {share:g} gives {n_val} validation clip(s), fewer than "
               f"one per class ({len(counts)})")
    return (f"validation off: {why}; early stopping watched the training loss instead, so the kept epoch was "
            f"chosen on clips the model learns from and no validation figure exists (add clips, or raise "
            f"--validation-split)")


def early_best_note(classifier: Any) -> str | None:
    """A note when the best epoch (by validation loss) came in the first :data:`EARLY_EPOCHS` and later
    epochs were worse: the model fits its training clips at once and then only overfits them."""
    best, run = int(getattr(classifier, "best_epoch_", 0) or 0), int(getattr(classifier, "epochs_run_", 0) or 0)
    if "val_loss" not in getattr(classifier, "history_", {}) or not 0 < best <= EARLY_EPOCHS or run <= best:
        return None
    return (f"best epoch {best} of {run} came early: the validation loss was lowest almost at once and rose after "
            f"it (the model fits its training clips at once, then overfits them); {EARLY_ADVICE}")


def training_notes(classifier: Any, labels: Sequence[Any]) -> list[str]:
    """Every note on a fitted classifier (see :func:`validation_note`, :func:`early_best_note`)."""
    return [note for note in (validation_note(classifier, labels), early_best_note(classifier)) if note]
