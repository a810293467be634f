import sys

from qpvcli.cli import run

if __name__ == "__main__":  # not when a process started by multiprocessing (spawn) imports it
    sys.exit(run())
