"""The format version of what each stage writes.

Every fingerprint (the key that decides whether a cached artifact is still valid) and every saved
result includes its stage's version, so an artifact written by code whose format differs is
rebuilt, never trusted. Bump a stage's number whenever what it writes changes (names, arrays,
meaning of a field): ``tests/test_schema.py`` fails when an artifact's format changes and its
version does not. Reports and model folders record the versions that made them.
"""
from __future__ import annotations

SCHEMA_VERSIONS: dict[str, int] = {
    "extract": 1,    # features/clips/<key>.npz and features/index.json
    "codebook": 1,   # codebook.npz
    "encode": 2,     # sequences/clips/<key>.npz and sequences/index.json (config: + "spm_levels")
    "train": 3,      # model/pipeline.json ("classifier", "training_clips"; 3: encode + "spm_levels"), lstm.json (+ "network"), network.npz, classifier.json/.npz, history.json (losses per clip, notes)
    "evaluate": 3,   # rows/<id>/{config,results}.json, rows/<id>/folds/*.json, metrics.json (3: encode + "spm_levels")
}


def schema_version(stage: str) -> int:
    """The format version of ``stage``'s artifacts."""
    return SCHEMA_VERSIONS[stage]
