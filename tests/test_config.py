"""Stage configs: built from mappings, overridden, validated in one place."""
from __future__ import annotations

from dataclasses import fields

import pytest

from soccer_lstm.config import (CodebookConfig, EncodeConfig, EvalConfig, ExtractConfig, PipelineConfig, TrainConfig,
                                from_dict, override, validate)
from soccer_lstm.errors import UserError


def test_from_dict_builds_nested_configs_and_keeps_defaults() -> None:
    config = from_dict(PipelineConfig, {"codebook": {"k": 16}, "train": {"units": 8, "fusion": "late"}})
    assert config.codebook == CodebookConfig(k=16)
    assert config.train.units == 8 and config.train.fusion == "late" and config.train.epochs == TrainConfig().epochs
    assert config.extract == ExtractConfig() and config.evaluate == EvalConfig()
    assert from_dict(PipelineConfig, config.as_dict()) == config  # round trip through plain data


@pytest.mark.parametrize("cls, values, message", [
    (PipelineConfig, {"model": {}}, "unknown option.*PipelineConfig: model"),
    (TrainConfig, {"unit": 3}, "unknown option.*TrainConfig: unit"),
    (CodebookConfig, {"k": 1}, "--k must be at least 2"),
    (CodebookConfig, {"k": 50, "sample_size": 10}, "--sample-size must be at least k"),
    (EncodeConfig, {"features": "sift"}, "--features: unknown kind"),
    (EncodeConfig, {"motion_model": "homography"}, "--motion-model must be one of"),
    (ExtractConfig, {"frame_step": 0}, "--frame-step"),
    (TrainConfig, {"validation_split": 0.95}, "--validation-split"),
    (TrainConfig, {"fusion": "middle"}, "--fusion"),
    (TrainConfig, {"aggregation": "median"}, "--aggregation"),
    (TrainConfig, {"mirror": "yes"}, "mirror must be true or false"),
    (EvalConfig, {"folds": 1}, "--folds must be at least 2"),
    (CodebookConfig, {"k": 200.5}, "--k must be a whole number, got 200.5"),
    (TrainConfig, {"units": "150"}, "--units must be a whole number, got '150'"),
    (ExtractConfig, {"crop_bars": 1}, "--crop-bars must be true or false"),
])
def test_bad_values_are_refused_with_the_option_named(cls, values, message) -> None:
    with pytest.raises(UserError, match=message):
        from_dict(cls, values)


def test_override_applies_only_given_values_and_validates() -> None:
    base = TrainConfig()
    assert override(base, units=None, epochs=None) is base
    assert override(base, units=12, epochs=None) == TrainConfig(units=12)
    with pytest.raises(UserError, match="--units"):
        override(base, units=0)


def test_every_default_is_valid() -> None:
    for cls in (ExtractConfig, CodebookConfig, EncodeConfig, TrainConfig, EvalConfig):
        assert validate(cls()) == cls()
    # The aggregations the config accepts are exactly those the model implements.
    from soccer_lstm.config import AGGREGATIONS
    from soccer_lstm.models.aggregate import AGGREGATIONS as IMPLEMENTED

    assert AGGREGATIONS == IMPLEMENTED
    assert {f.name for f in fields(PipelineConfig)} == {"extract", "codebook", "encode", "train", "evaluate"}


def test_a_toml_file_sees_its_own_key_names_in_errors() -> None:
    """From a TOML file the option is named as the file spells it, not as a flag."""
    with pytest.raises(UserError, match=r"^validation_split must be in \[0.0, 0.9\)"):
        from_dict(PipelineConfig, {"train": {"validation_split": 0.95}}, spelling="key")
    with pytest.raises(ValueError):  # OptionError is also a ValueError, for scikit-learn callers
        from_dict(TrainConfig, {"fusion": "middle"})
