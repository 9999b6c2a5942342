"""Action spotting in whole games: SoccerNet's files, games, clips cut from them, spotting and its metric.

A game is a folder holding one video per half (``1_<res>.<ext>``, ``2_<res>.<ext>``) and, when it is
annotated, ``Labels-v2.json``; predictions are one ``results_spotting.json`` per game.

- :mod:`~soccer_lstm.spotting.soccernet`: the two JSON files, read and written;
- :mod:`~soccer_lstm.spotting.layout`: annotated games found on disk, with their half videos;
- :mod:`~soccer_lstm.spotting.games`: synthetic whole games written in that layout (``synth --games``);
- :mod:`~soccer_lstm.spotting.clips`: a folder-per-class training set cut from games (``clips``);
- :mod:`~soccer_lstm.spotting.metric`: SoccerNet's average-mAP and per-class AP (``spot-score``).
"""
