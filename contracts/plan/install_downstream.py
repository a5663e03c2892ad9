"""Install a downstream project and its dependencies, but not Core.

Written by the contracts plan into each suite's workspace and run with the
suite's interpreter:

    python .contracts/install_downstream.py --exclude NAME --dir DIR [--pin-out FILE] [-- PIP_ARGS...]
    python .contracts/install_downstream.py --exclude NAME --dir DIR --pin-out FILE --pins-only [--spec JSON...]

The automatic install spec: an editable install with the `dev` extra when
the project defines one; else the project plus requirements-dev.txt when
present; else the plain project. The project itself is installed with
--no-deps, then its declared requirements minus Core (--exclude) are
installed, so a downstream's pin on an older Core never blocks this layer
and the layer does not depend on the Core ref. Core goes on top later.
Projects whose dependencies are not static in pyproject.toml fall back to
`pip install -e DIR[extra]` with dependencies.

Requirement files are read by pip's own parser (encodings with a BOM,
UTF-16 included, line continuations, comments, environment markers, -r and
-c includes), never by hand. A file that cannot be read fails the install
with an "ERROR:" line naming the file and the problem, not a traceback.

With --pin-out, the requirements on Core that were left out are written
there as JSON (the downstream's pin, for release readiness): each with its
specifier, marker, whether the marker applies to this interpreter, and the
file that declares it. With --pins-only nothing is installed: the pin is
read from what an explicit install spec (--spec, one JSON list of pip
arguments per install step) names: pyproject.toml's dependencies and the
extras of an editable or local install of the project, and the files of
-r arguments. Declarations that cannot be read then only make the pin
unknown (the error is in the JSON); the run goes on.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib

try:  # pip's own requirement parser and the packaging it vendors
    from pip._internal.req import req_file
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
except ImportError:  # pragma: no cover - every interpreter that runs pip has them
    req_file = None
    from packaging.requirements import InvalidRequirement, Requirement


class Unreadable(Exception):
    """A requirement declaration that cannot be read."""


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(req):
    """The requirement as packaging reads it, or None (a path, a URL)."""
    try:
        return Requirement(req)
    except InvalidRequirement:
        return None


def requirement_name(req):
    parsed = parse(req)
    return normalize(parsed.name) if parsed else ""


def read_project(directory):
    path = os.path.join(directory, "pyproject.toml")
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as f:
            return tomllib.load(f).get("project")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Unreadable("%s: %s" % (path, exc)) from None


def read_requirements(path):
    """The requirements of a requirements file, as pip reads it, with the
    file each comes from: (requirements, constraints), each a list of
    (requirement, declared in). -r includes are followed; -c constraint
    files give constraints; editable lines come as "-e PATH". A file that
    cannot be read is named in the Unreadable error, with the file that
    includes it."""
    if req_file is None:
        raise Unreadable("%s: pip's requirement parser is not available" % path)
    opened = []
    read = req_file.get_file_content

    def tracking(url, *args, **kwargs):  # which file pip is reading
        opened.append(url)
        return read(url, *args, **kwargs)

    reqs, constraints = [], []
    req_file.get_file_content = tracking
    try:
        for parsed in req_file.parse_requirements(path, session=None):
            line = ("-e " + parsed.requirement) if parsed.is_editable else parsed.requirement
            where = declared_in(parsed.comes_from, path)
            if parsed.options:
                print("%s: not applying the options of %r: %s" % (where, line, sorted(parsed.options)), flush=True)
            (constraints if parsed.constraint else reqs).append((line, where))
    except Exception as exc:  # pip raises InstallationError, UnicodeDecodeError, ...
        bad = opened[-1] if opened else path
        via = " (included from %s)" % path if bad != path else ""
        raise Unreadable("requirements file %s%s cannot be read: %s" % (bad, via, exc)) from None
    finally:
        req_file.get_file_content = read
    report_options(opened)
    return reqs, constraints


# The option lines pip's parser reads into a finder or session the helper
# does not give it (--index-url, --find-links, ...): said, not applied (the
# run's own pip arguments choose the index).
APPLIED = ("--requirement", "--constraint", "--editable")
APPLIED_SHORT = ("-r", "-c", "-e")  # also glued to their value: -rbase.txt, -e.


def applied(flag):
    return flag in APPLIED or (not flag.startswith("--") and flag.startswith(APPLIED_SHORT))


def report_options(files):
    for name in dict.fromkeys(files):
        try:
            _, content = req_file.get_file_content(name, None)
            lines = list(req_file.preprocess(content))
        except Exception:  # reported by the parse above, or an older pip
            continue
        for _, line in lines:
            flag = line.split(None, 1)[0].split("=", 1)[0] if line.strip() else ""
            if flag.startswith("-") and not applied(flag):
                print("%s: not applying option line %r" % (name, line), flush=True)


def declared_in(comes_from, top):
    """The file a requirement line is in, from pip's comes_from
    ("-r requirements.txt (line 2)")."""
    m = re.match(r"-[rc] (.*) \(line \d+\)$", comes_from or "")
    return m.group(1) if m else top


def pip(args, pip_args, cwd=None):
    argv = [sys.executable, "-m", "pip", "install", *args, *pip_args]
    print("+", " ".join(argv), flush=True)
    return subprocess.call(argv, cwd=cwd)


def core_pins(reqs, excluded, base):
    """The requirements on Core among reqs ((requirement, declared in)),
    as JSON-ready dicts."""
    pins = []
    for req, where in reqs:
        parsed = parse(req)
        if parsed is None or normalize(parsed.name) not in excluded:
            continue
        marker = str(parsed.marker) if parsed.marker else ""
        pins.append({
            "requirement": req,
            "specifier": str(parsed.specifier),
            "marker": marker,
            "applies": applies(parsed),
            "declared_in": where[len(base) + 1:] if where.startswith(base + os.sep) else where,
        })
    return pins


def applies(req):
    """Whether req's marker holds here; an extra marker counts as outside
    any extra (older packaging needs "extra" given)."""
    if req.marker is None:
        return True
    try:
        return req.marker.evaluate({"extra": ""})
    except Exception:
        return False


def write_pins(path, pins, error=""):
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"requirements": pins, "error": error}, f, indent=2)


def spec_declarations(opts):
    """The requirements explicit install steps (--spec) name: pyproject's
    dependencies and the extras named for the project itself ("-e .[dev]",
    "."), and every -r file, relative to the checkout."""
    reqs = []
    for spec in opts.spec:
        args = json.loads(spec)
        for i, arg in enumerate(args):
            name = None
            if arg in ("-r", "--requirement") and i + 1 < len(args):
                name = args[i + 1]
            elif arg.startswith("--requirement="):
                name = arg.split("=", 1)[1]
            m = re.match(r"^\.(?:\[([^\]]*)\])?$", arg)
            if name is not None:
                more, _ = read_requirements(os.path.join(opts.dir, name))
                reqs += expand_self(opts.dir, more)
            elif m:
                reqs += project_requirements(opts.dir, (m.group(1) or "").split(","))
    return unique(reqs)


def unique(reqs):
    """reqs without repeats of a requirement line (the first place that
    declares it is kept)."""
    seen, out = set(), []
    for req, where in reqs:
        if req not in seen:
            seen.add(req)
            out.append((req, where))
    return out


def project_requirements(directory, extras, project=None):
    """pyproject.toml's dependencies and those of the named extras (project:
    pyproject's [project] table, when already read)."""
    project = (project if project is not None else read_project(directory)) or {}
    pyproject = os.path.join(directory, "pyproject.toml")
    reqs = [(r, pyproject) for r in project.get("dependencies", [])]
    for extra in filter(None, (e.strip() for e in extras)):
        reqs += [(r, "%s [%s]" % (pyproject, extra)) for r in project.get("optional-dependencies", {}).get(extra, [])]
    return reqs


def pins_only(opts, excluded):
    try:
        write_pins(opts.pin_out, core_pins(spec_declarations(opts), excluded, opts.dir))
    except (Unreadable, ValueError) as exc:
        write_pins(opts.pin_out, [], str(exc))
        print("cannot read the pin on Core: %s" % exc, flush=True)
    return 0


def declared(opts):
    """What the automatic install spec installs: (target, requirements with
    where they are declared, constraint lines, static)."""
    project = read_project(opts.dir)
    extras = (project or {}).get("optional-dependencies", {})
    has_dev = "dev" in extras
    target = opts.dir + ("[dev]" if has_dev else "")
    dev_txt = os.path.join(opts.dir, "requirements-dev.txt")
    use_dev_txt = not has_dev and os.path.exists(dev_txt)
    static = project is not None and "dependencies" not in project.get("dynamic", [])
    reqs = project_requirements(opts.dir, ["dev"] if has_dev else [], project or {})
    constraints = []
    if use_dev_txt:
        more, constraints = read_requirements(dev_txt)
        reqs += more
    print("install spec: editable %s%s" % (target, " + requirements-dev.txt" if use_dev_txt else ""), flush=True)
    return target, reqs, constraints, static, use_dev_txt


def install(opts, excluded):
    target, reqs, constraints, static, use_dev_txt = declared(opts)
    reqs = unique(expand_self(opts.dir, reqs))
    if static:
        write_pins(opts.pin_out, core_pins(reqs, excluded, opts.dir))
    else:
        write_pins(opts.pin_out, [], "the dependencies in pyproject.toml are dynamic (set by the build): the pin is not read")
    if not static:
        print("dependencies are not static in pyproject.toml: installing with pip's resolver", flush=True)
        code = pip(["-e", target], opts.pip_args)
        if code == 0 and use_dev_txt:
            # Paths in requirement files are relative to where pip runs: the project.
            code = pip(["-r", "requirements-dev.txt"], opts.pip_args, cwd=opts.dir)
        return code
    kept = [r for r, _ in reqs if requirement_name(r) not in excluded]
    for r, _ in reqs:
        if requirement_name(r) in excluded:
            print("not installing %r: Core is installed on top at the requested ref" % r, flush=True)
    code = pip(["--no-deps", "-e", target], opts.pip_args)
    if code != 0 or not kept:
        return code
    args = []
    for r in kept:
        args += r.split(" ", 1) if r.startswith("-e ") else [r]
    kept_constraints = [c for c, _ in constraints if requirement_name(c) not in excluded]
    if kept_constraints:
        path = os.path.abspath(os.path.join(os.path.dirname(__file__), "constraints.txt"))
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(kept_constraints) + "\n")
        args += ["-c", path]
    # Paths in requirement files are relative to where pip runs: the project.
    return pip(args, opts.pip_args, cwd=opts.dir)


def expand_self(directory, reqs):
    """reqs without lines naming the project itself ("-e .", ".[test]"):
    it is installed already, without its dependencies; its requirements
    and those of the extras such a line names are listed instead."""
    out = []
    for req, where in reqs:
        path = req[3:].strip() if req.startswith("-e ") else req
        m = re.match(r"^(.*?)(?:\[([^\]]*)\])?$", path)
        target = m.group(1) if m else path
        # pip reads such paths relative to where it runs: the project.
        if target and os.path.realpath(os.path.join(directory, target)) == os.path.realpath(directory):
            print("%s: %r is the project itself: installing its requirements instead" % (where, req), flush=True)
            out += project_requirements(directory, (m.group(2) or "").split(",") if m else [])
            continue
        out.append((req, where))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--pin-out", default="")
    parser.add_argument("--pins-only", action="store_true")
    parser.add_argument("--spec", action="append", default=[])
    parser.add_argument("pip_args", nargs="*")
    opts = parser.parse_args()
    excluded = {normalize(n) for n in opts.exclude}
    if opts.pins_only:
        return pins_only(opts, excluded)
    try:
        return install(opts, excluded)
    except Unreadable as exc:
        write_pins(opts.pin_out, [], str(exc))
        print("ERROR: %s" % exc, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
