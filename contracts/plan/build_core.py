"""Build Core's wheel, once per Core commit; every suite installs it.

Written by the contracts plan into the build's workspace and run with the
run's interpreter:

    python .contracts/build_core.py --source core --out wheel --site site [-- PIP_ARGS...]

With build isolation off (--no-build-isolation among the pip arguments, as
`--offline` sets it), pip would call the project's PEP 517 backend from the
interpreter's own packages; this helper calls that same backend directly,
in this process, which skips pip's start-up and its two hook subprocesses.
Otherwise it runs `pip wheel --no-deps`, which sets up the isolated build
environment the project declares. Either way exactly one wheel ends up in
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

# PEP 517: a project without [build-system] is built with setuptools' legacy backend.
DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"


def load_backend(source):
    """The project's build backend object, as PEP 517 says to load it."""
    system = {}
    path = os.path.join(source, "pyproject.toml")
    if os.path.exists(path):
        with open(path, "rb") as f:
            system = tomllib.load(f).get("build-system", {})
    name = system.get("build-backend", DEFAULT_BACKEND)
    for extra in reversed(system.get("backend-path", [])):
        sys.path.insert(0, os.path.abspath(os.path.join(source, extra)))
    module, _, attr = name.partition(":")
    backend = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        backend = getattr(backend, part)
    return name, backend


def build_in_process(source, out):
    name, backend = load_backend(source)
    print("building the wheel with %s (no build isolation)" % name, flush=True)
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
    if "--no-build-isolation" in opts.pip_args:
        build_in_process(os.path.abspath(opts.source), out)
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
    sys.exit(main())
