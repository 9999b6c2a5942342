"""Action spotting in whole games: SoccerNet's files, games, clips cut from them, spotting and its metric.

A game is a folder holding one video per half (``1_<res>.<ext>``, ``2_<res>.<ext>``) and, when it is
annotated, ``Labels-v2.json``; predictions are one ``results_spotting.json`` per game. See
:mod:`soccer_lstm.spotting.soccernet` for the files.
"""
