"""By hand: `python -m tests.realapps.corpus install|serve APP [VERSION]`.

install APP        installs and seeds both versions (cached; seconds once done)
serve APP VERSION  serves VERSION from a fresh seed until Ctrl-C, printing URL and credentials
"""

import argparse
import tempfile
import threading
from pathlib import Path

from tests.realapps.corpus import corpus


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.realapps.corpus")
    apps = corpus()
    parser.add_argument("command", choices=["install", "serve", "list"])
    parser.add_argument("app", nargs="?", choices=list(apps))
    parser.add_argument("version", nargs="?")
    args = parser.parse_args()
    if args.version and (not args.app or args.version not in apps[args.app].versions):
        known = ", ".join(apps[args.app].versions) if args.app else "name the app first"
        parser.error(f"VERSION must follow APP and be one of its versions ({known})")
    if args.command == "serve" and not args.app:
        parser.error("serve needs an APP: one of " + ", ".join(apps))
    if args.command == "list":
        for app in apps.values():
            print(f"{app.name}: {app.versions[0]} -> {app.versions[1]} ({app.ui}, {app.auth}"
                  f"{', control' if app.control else ''})")
        return
    names = [args.app] if args.app else list(apps)
    if args.command == "install":
        for name in names:
            for version in [args.version] if args.version else apps[name].versions:
                print(f"{name} {version}: {apps[name].install(version)}")
        return
    app = apps[args.app]
    version = args.version or app.versions[0]
    app.install(version)
    with tempfile.TemporaryDirectory(prefix=f"corpus-{app.name}-") as tmp, \
            app.running(version, Path(tmp)) as served:
        print(f"{served.app} {served.version} at {served.base_url} "
              f"(user {served.username!r}, password {served.password!r}); Ctrl-C stops it")
        threading.Event().wait()


if __name__ == "__main__":
    main()
