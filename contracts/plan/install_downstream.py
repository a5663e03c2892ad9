"""Install a downstream project and its dependencies, but not Core.

Written by the contracts plan into each suite's workspace and run with the
suite's interpreter:

    python .contracts/install_downstream.py --exclude NAME --dir DIR [-- PIP_ARGS...]

The automatic install spec: an editable install with the `dev` extra when
the project defines one; else the project plus requirements-dev.txt when
present; else the plain project. The project itself is installed with
--no-deps, then its declared requirements minus Core (--exclude) are
installed, so a downstream's pin on an older Core never blocks this layer
and the layer does not depend on the Core ref. Core goes on top later.
Projects whose dependencies are not static in pyproject.toml fall back to
`pip install -e DIR[extra]` with dependencies.
"""

import argparse
import os
import re
import subprocess
import sys
import tomllib


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(req):
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    return normalize(m.group(1)) if m else ""


def read_project(directory):
    path = os.path.join(directory, "pyproject.toml")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return tomllib.load(f).get("project")


def read_requirements(path, seen=None):
    """Requirements of a requirements file, following -r/--requirement
    includes (relative to the file). Returns (requirements, pip options):
    -c/--constraint files become pip options; other option lines are
    reported and skipped."""
    seen = seen if seen is not None else set()
    real = os.path.realpath(path)
    if real in seen:
        return [], []
    seen.add(real)
    reqs, options = [], []
    base = os.path.dirname(path)
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            if not line.startswith("-"):
                reqs.append(line)
                continue
            flag, _, value = line.replace("=", " ", 1).partition(" ")
            value = value.strip()
            if flag in ("-r", "--requirement") and value:
                more, opts = read_requirements(os.path.join(base, value), seen)
                reqs += more
                options += opts
            elif flag in ("-c", "--constraint") and value:
                options += ["-c", os.path.join(base, value)]
            else:
                print(f"{path}: not applying option line {line!r}", flush=True)
    return reqs, options


def pip(args, pip_args):
    argv = [sys.executable, "-m", "pip", "install", *args, *pip_args]
    print("+", " ".join(argv), flush=True)
    return subprocess.call(argv)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("--dir", required=True)
    parser.add_argument("pip_args", nargs="*")
    opts = parser.parse_args()
    excluded = {normalize(n) for n in opts.exclude}
    project = read_project(opts.dir)
    extras = (project or {}).get("optional-dependencies", {})
    has_dev = "dev" in extras
    target = opts.dir + ("[dev]" if has_dev else "")
    dev_txt = os.path.join(opts.dir, "requirements-dev.txt")
    use_dev_txt = not has_dev and os.path.exists(dev_txt)
    static = project is not None and "dependencies" not in project.get("dynamic", [])
    print(f"install spec: editable {target}" + (" + requirements-dev.txt" if use_dev_txt else ""), flush=True)
    if not static:
        print("dependencies are not static in pyproject.toml: installing with pip's resolver", flush=True)
        code = pip(["-e", target], opts.pip_args)
        if code == 0 and use_dev_txt:
            code = pip(["-r", dev_txt], opts.pip_args)
        return code
    reqs, options = list(project.get("dependencies", [])), []
    if has_dev:
        reqs += extras["dev"]
    if use_dev_txt:
        more, options = read_requirements(dev_txt)
        reqs += more
    kept = [r for r in reqs if requirement_name(r) not in excluded]
    for r in reqs:
        if r not in kept:
            print(f"not installing {r!r}: Core is installed on top at the requested ref", flush=True)
    code = pip(["--no-deps", "-e", target], opts.pip_args)
    if code == 0 and kept:
        code = pip(kept + options, opts.pip_args)
    return code


if __name__ == "__main__":
    sys.exit(main())
