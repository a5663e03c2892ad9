"""Install Core's built wheel into a suite's environment, on top.

Written by the contracts plan into each suite's workspace and run with the
suite's interpreter:

    python .contracts/install_core.py WHEEL [-- PIP_ARGS...]

pip installs the wheel. When every requirement the wheel declares
(Requires-Dist, markers evaluated for this interpreter) is already met by
an installed distribution, pip's resolver has nothing to do, so it runs
with --no-deps and skips resolving (about half of pip's time here).
Otherwise, or when a requirement asks for extras, pip resolves as usual,
so a Core that adds a dependency still gets it. The downstream's own pin
on Core is never consulted: Core goes on top.
"""

import importlib.metadata
import subprocess
import sys
import zipfile
from email.parser import Parser

try:  # the packaging pip itself uses
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
    from pip._vendor.packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - every interpreter that runs pip has it
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version


def wheel_requirements(wheel):
    """The Requires-Dist lines of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(z.read(name).decode("utf-8"))
    return metadata.get_all("Requires-Dist") or []


def unmet(requirement):
    """Why requirement is not met by what is installed, or "" when it is."""
    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return "cannot read %r" % requirement
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return ""
    if req.extras:
        return "%s asks for extras" % requirement
    try:
        installed = Version(importlib.metadata.version(req.name))
    except (importlib.metadata.PackageNotFoundError, InvalidVersion):
        return "%s is not installed" % req.name
    if not req.specifier.contains(installed, prereleases=True):
        return "%s %s does not meet %s" % (req.name, installed, requirement)
    return ""


def main(argv):
    wheel, pip_args = argv[0], argv[1:]
    if pip_args[:1] == ["--"]:
        pip_args = pip_args[1:]
    reasons = [r for r in map(unmet, wheel_requirements(wheel)) if r]
    flags = ["--progress-bar", "off", "--no-compile", "--no-warn-script-location"]
    if reasons:
        print("resolving Core's dependencies: " + "; ".join(reasons), flush=True)
    else:
        print("Core's dependencies are all installed: installing the wheel alone", flush=True)
        flags.append("--no-deps")
    argv = [sys.executable, "-m", "pip", "install", *flags, wheel, *pip_args]
    print("+", " ".join(argv), flush=True)
    return subprocess.call(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
