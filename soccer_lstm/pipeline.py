"""The stages as library functions, in one namespace: extract, codebook, encode, train, predict.

Each stage lives in its own module of :mod:`soccer_lstm.stages`; this module gathers them for
callers that want the whole chain (and for older imports).
"""
from __future__ import annotations

from soccer_lstm.features.fitted import encode_clip
from soccer_lstm.stages.codebook import CodebookResult, fit_codebook, load_codebook, run_codebook, save_codebook
from soccer_lstm.features.kinds import feature_layout
from soccer_lstm.stages.encode import EncodeResult, Sequences, load_sequences, run_encode
from soccer_lstm.stages.extract import ExtractSummary, check_output_folder, run_extract
from soccer_lstm.stages.predict import (Prediction, TrainedPipeline, check_compatible, iter_predict_clips, load_model,
                                        predict_clips, predict_sequences)
from soccer_lstm.stages.train import MODEL_META, TrainResult, run_train

__all__ = ["CodebookResult", "EncodeResult", "ExtractSummary", "MODEL_META", "Prediction", "Sequences",
           "TrainResult", "TrainedPipeline", "check_compatible", "check_output_folder", "encode_clip",
           "feature_layout", "fit_codebook", "iter_predict_clips", "load_codebook", "load_model", "load_sequences",
           "predict_clips", "predict_sequences", "run_codebook", "run_encode", "run_extract",
           "run_train", "save_codebook"]
