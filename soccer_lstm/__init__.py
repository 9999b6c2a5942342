"""soccer-lstm: action classification in sports clips with SIFT bag-of-words, camera motion and an LSTM."""
from __future__ import annotations

__version__ = "0.2.0"
