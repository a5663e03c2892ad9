"""Build Core's wheel, once per Core commit; every suite installs it.

Written by the contracts plan into the build's workspace and run with the
run's interpreter:

    python .contracts/build_core.py --source core --out wheel --site site [-- PIP_ARGS...]

With build isolation off (--no-build-isolation among the pip arguments, as
`--offline` sets it), pip would call the project's PEP 517 backend from the
interpreter's own packages; this helper calls that same backend directly,
in this process, which skips pip's start-up and its two hook subprocesses.
So it does when this interpreter already has every build requirement the
project declares (PEP 518 `build-system.requires`, read with the
`packaging` pip vendors): an isolated environment would hold the same
backend, installed again from the index on every Core commit. A pip
argument that may change how a project is built (-C/--config-settings,
--build-option, --no-binary, anything not known to be about the index or
pip's output) leaves the build to pip, which honours it. Otherwise too it
runs `pip wheel --no-deps`, which sets up the isolated build environment
the project declares (and fails, naming what it could not get, when the
index lacks it). Either way exactly one wheel ends up in
the output directory, and its file name is printed last. With --site, the
wheel is also unpacked there once (when it has no scripts or data files,
unpacking is its whole installation), so a suite whose environment already
meets Core's requirements can link it instead of installing it (see
install_core.py).
"""

import argparse
import importlib
import os
import subprocess
import sys
import tomllib
import zipfile

# PEP 517: a project without [build-system] is built with setuptools' legacy backend,
# PEP 518: whose requirements are setuptools and wheel.
DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"
DEFAULT_REQUIRES = ["setuptools>=40.8.0", "wheel"]


def build_system(source):
    """The project's [build-system] table ({} without one)."""
    path = os.path.join(source, "pyproject.toml")
    if not os.path.exists(path):
        return {}
    with open(path, "rb") as f:
        return tomllib.load(f).get("build-system", {})


def requirements_met(source):
    """Whether this interpreter has every build requirement the project
    declares, as pip would judge them (an unreadable pyproject.toml: no,
    pip then reports it). Asked in a process of its own: once pip is
    imported, setuptools' distutils shim stands aside, and the backend
    could not be imported here any more."""
    return subprocess.call([sys.executable, os.path.abspath(__file__), "--requirements-met", source]) == 0


def check_requirements(source):
    """The --requirements-met process: exit 0 when they are met."""
    from importlib import metadata

    from pip._vendor.packaging.requirements import Requirement

    try:
        requires = build_system(source).get("requires", DEFAULT_REQUIRES)
        for text in requires:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate():
                continue
            if not req.specifier.contains(metadata.version(req.name), prereleases=True):
                return 1
    except Exception:  # not installed, a bad requirement, a bad pyproject.toml
        return 1
    return 0


def load_backend(source):
    """The project's build backend object, as PEP 517 says to load it."""
    system = build_system(source)
    name = system.get("build-backend", DEFAULT_BACKEND)
    for extra in reversed(system.get("backend-path", [])):
        sys.path.insert(0, os.path.abspath(os.path.join(source, extra)))
    module, _, attr = name.partition(":")
    backend = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        backend = getattr(backend, part)
    return name, backend


# pip options that choose where packages come from or how pip talks, not how
# a project is built: with only these, building in process builds what pip
# would. True: the option takes a value (as "--opt=V" or "--opt V").
NOT_BUILD_OPTIONS = {
    "--no-index": False, "--no-build-isolation": False, "--pre": False, "--prefer-binary": False,
    "--no-cache-dir": False, "--disable-pip-version-check": False, "--isolated": False,
    "-q": False, "--quiet": False, "-v": False, "--verbose": False,
    "-i": True, "--index-url": True, "--extra-index-url": True, "-f": True, "--find-links": True,
    "--trusted-host": True, "--cert": True, "--client-cert": True, "--proxy": True, "--timeout": True,
    "--retries": True, "--cache-dir": True, "--progress-bar": True,
}


def build_options(pip_args):
    """The pip arguments that may change how a project is built (config
    settings, build or global options, binary choices, anything unknown):
    pip must build with them, an in-process build would drop them."""
    found, i = [], 0
    while i < len(pip_args):
        arg = pip_args[i]
        name = arg.split("=", 1)[0]
        if name not in NOT_BUILD_OPTIONS:
            found.append(arg)
        elif NOT_BUILD_OPTIONS[name] and "=" not in arg:
            i += 1  # its value
        i += 1
    return found


def build_in_process(source, out, why):
    name, backend = load_backend(source)
    print("building the wheel with %s in process (%s)" % (name, why), flush=True)
    here = os.getcwd()
    os.chdir(source)
    try:
        return backend.build_wheel(out)
    finally:
        os.chdir(here)


def build_with_pip(source, out, pip_args):
    # An absolute path: pip reads a bare "core" as a project to find on the index.
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--progress-bar", "off",
            "--wheel-dir", out, os.path.abspath(source), *pip_args]
    print("+", " ".join(argv), flush=True)
    code = subprocess.call(argv)
    if code != 0:
        sys.exit(code)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--site", default="")
    parser.add_argument("pip_args", nargs="*")
    opts = parser.parse_args()
    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)
    source = os.path.abspath(opts.source)
    changes_build = build_options(opts.pip_args)
    if changes_build:
        print("building with pip: the pip arguments %s may change how Core is built"
              % " ".join(changes_build), flush=True)
        build_with_pip(opts.source, out, opts.pip_args)
    elif "--no-build-isolation" in opts.pip_args:
        build_in_process(source, out, "no build isolation")
    elif requirements_met(source):
        build_in_process(source, out, "this interpreter has every build requirement")
    else:
        build_with_pip(opts.source, out, opts.pip_args)
    wheels = sorted(f for f in os.listdir(out) if f.endswith(".whl"))
    if len(wheels) != 1:
        print("ERROR: the build left %d wheels in %s, want 1: %s" % (len(wheels), out, wheels), flush=True)
        return 1
    if opts.site:
        os.makedirs(opts.site, exist_ok=True)  # empty when the wheel is left to pip
        unpack(os.path.join(out, wheels[0]), opts.site)
    print(wheels[0], flush=True)
    return 0


def unpack(wheel, site):
    """Unpack a wheel without scripts or data files into site: for such a
    wheel that is the whole installation (PEP 427: unpack, then spread
    .data and generate scripts, neither of which it has). Other wheels are
    left to pip in each suite (install_core.py finds no site)."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        entry_points = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/entry_points.txt")]
        scripts = any("scripts]" in z.read(n).decode("utf-8") for n in entry_points)
        data = any(n.split("/", 1)[0].endswith(".data") for n in names)
        if scripts or data:
            print("not unpacking %s: it has scripts or data files, pip installs it" % os.path.basename(wheel), flush=True)
            return
        z.extractall(site)
    print("unpacked %s into %s" % (os.path.basename(wheel), site), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--requirements-met"]:
        sys.exit(check_requirements(sys.argv[2]))
    sys.exit(main())
