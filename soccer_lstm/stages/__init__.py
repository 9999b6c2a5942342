"""The stages as library functions, a module each: extract, codebook, encode, train, predict.

Each reads the previous stage's artifacts and writes its own; each skips work whose inputs and
parameters are unchanged (fingerprints), and writes atomically so that an interrupted run resumes.
The CLI and the Makefile call these functions; nothing here knows about click.
"""
