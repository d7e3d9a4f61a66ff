"""Command line: `python -m demo v2 --port 8000` serves one version of the demo shop."""

import argparse

from demo.server import serve
from demo.versions import DemoVersion


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("version", type=DemoVersion, choices=list(DemoVersion))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    serve(args.version, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
