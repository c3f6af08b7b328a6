"""`python -m sandbox [--host H] [--port P] [--seed S]`: run without Django."""

import argparse

from .server import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SEED, run

parser = argparse.ArgumentParser(prog="python -m sandbox")
parser.add_argument("--host", default=DEFAULT_HOST)
parser.add_argument("--port", type=int, default=DEFAULT_PORT)
parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
parser.add_argument("--quiet", action="store_true", help="do not log each request")
options = parser.parse_args()
run(options.host, options.port, options.seed, verbose=not options.quiet)
