"""``python -m soccer_lstm`` runs the command-line interface."""
from soccer_lstm.cli import main

if __name__ == "__main__":
    main()
