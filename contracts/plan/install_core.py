"""Install Core's built wheel into a suite's environment, on top.

Written by the contracts plan into each suite's workspace and run with the
suite's interpreter:

    python .contracts/install_core.py WHEEL --site SITE [--pin PINS --facts FACTS] [-- PIP_ARGS...]

SITE is the same wheel unpacked once per Core commit by the build
(build_core.py --site). When the environment already meets every
requirement the wheel declares (Requires-Dist, markers evaluated for this
interpreter), holds no other copy of Core, and the wheel has no scripts or
data files, there is nothing for pip to do but copy files: the unpacked
wheel is linked instead, by a .pth file that adds SITE to sys.path
(site.addsitedir, so .pth files inside it work too). No other Core is
installed then, so nothing shadows it; in the host runner's stacked
virtualenv SITE even comes before the downstream's packages. Otherwise pip installs the wheel and resolves its dependencies,
so a Core that adds a dependency still gets it. The downstream's own pin
on Core is never consulted: Core goes on top.

With --pin and --facts, it also writes the facts of release readiness to
FACTS: the wheel's Core version, and for each requirement on Core that the
downstream declares (PINS, written by install_downstream.py) whether its
specifier admits that version, as the packaging pip uses decides it
(prereleases admitted: the question is the pin's range).
"""

import importlib.metadata
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser

try:  # the packaging pip itself uses
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
    from pip._vendor.packaging.specifiers import InvalidSpecifier, SpecifierSet
    from pip._vendor.packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - every interpreter that runs pip has it
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

# LAYER_PTH sorts before the host runner's downstream layer file, so Core's
# site comes first on sys.path.
LAYER_PTH = "_contracts_core_layer.pth"


def read_wheel(wheel):
    """The wheel's metadata and whether it carries scripts or data files."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta_name = next(n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(z.read(meta_name).decode("utf-8"))
        entry_points = next((n for n in names if n.count("/") == 1 and n.endswith(".dist-info/entry_points.txt")), None)
        scripts = entry_points is not None and "scripts]" in z.read(entry_points).decode("utf-8")
        data = any(n.split("/", 1)[0].endswith(".data") for n in names)
    return metadata, scripts or data


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


def why_not_link(metadata, extras, site):
    """Why the unpacked wheel cannot simply be linked, or "" when it can."""
    reasons = [r for r in map(unmet, metadata.get_all("Requires-Dist") or []) if r]
    if reasons:
        return "resolving Core's dependencies: " + "; ".join(reasons)
    if extras:
        return "the wheel has scripts or data files"
    if not site or not os.path.isdir(site) or not any(n.endswith(".dist-info") for n in os.listdir(site)):
        return "no unpacked wheel"
    try:
        return "another %s %s is installed" % (metadata["Name"], importlib.metadata.version(metadata["Name"]))
    except importlib.metadata.PackageNotFoundError:
        return ""


def link(site):
    purelib = sysconfig.get_paths()["purelib"]
    os.makedirs(purelib, exist_ok=True)
    with open(os.path.join(purelib, LAYER_PTH), "w", encoding="utf-8") as f:
        f.write("import site; site.addsitedir(%r)\n" % os.path.abspath(site))


def write_facts(pins_path, facts_path, version):
    """The readiness facts: Core's version and whether each pin admits it."""
    facts = {"core_version": version, "requirements": [], "error": ""}
    try:
        with open(pins_path, encoding="utf-8") as f:
            pins = json.load(f)
        facts["error"] = pins.get("error", "")
        for req in pins.get("requirements", []):
            req["admits"] = SpecifierSet(req["specifier"]).contains(Version(version), prereleases=True)
            facts["requirements"].append(req)
    except FileNotFoundError:
        facts["error"] = "the downstream's install steps did not record its requirements"
    except (OSError, ValueError, KeyError, InvalidSpecifier, InvalidVersion) as exc:
        facts["error"] = "%s: %s" % (pins_path, exc)
    os.makedirs(os.path.dirname(os.path.abspath(facts_path)), exist_ok=True)
    with open(facts_path, "w", encoding="utf-8") as f:
        json.dump(facts, f, indent=2)


def options(argv):
    """WHEEL, then --site SITE, --pin PINS, --facts FACTS, then -- and pip's."""
    wheel, opts, rest = argv[0], {}, argv[1:]
    while rest[:1] and rest[0] in ("--site", "--pin", "--facts"):
        opts[rest[0][2:]], rest = rest[1], rest[2:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    return wheel, opts, rest


def main(argv):
    wheel, opts, pip_args = options(argv)
    site = opts.get("site", "")
    metadata, extras = read_wheel(wheel)
    if opts.get("pin") and opts.get("facts"):
        write_facts(opts["pin"], opts["facts"], metadata["Version"])
    why = why_not_link(metadata, extras, site)
    if not why:
        link(site)
        print("Core's requirements are all installed: linked its unpacked wheel %s" % site, flush=True)
        return 0
    print("installing Core's wheel with pip (%s)" % why, flush=True)
    argv = [sys.executable, "-m", "pip", "install", "--progress-bar", "off", "--no-compile", "--no-warn-script-location", wheel, *pip_args]
    print("+", " ".join(argv), flush=True)
    return subprocess.call(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
