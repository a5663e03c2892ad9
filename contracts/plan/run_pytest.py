"""Run a downstream's contract tests with pytest, the way the contracts plan
wants them run. Written by the plan into each suite's workspace and run with
the suite's interpreter, in the downstream checkout:

    python ../.contracts/run_pytest.py --core-package PKG -- PYTEST_ARGS...

It behaves like `python -m pytest PYTEST_ARGS...` (same sys.path, same exit
codes) plus one plugin: when a contract module cannot be collected (an
import error, a module-level AttributeError, a pydantic error at import
time), the collection error's report starts with lines the contracts tool
reads back from the JUnit error text:

    [contracts] at: tests/contracts/test_x.py:4
    [contracts] exception: ImportError: cannot import name 'X' from 'market_data_core.telemetry'
    [contracts] core: ImportError from market_data_core.telemetry
    [contracts] missing: loguru

`at` is the innermost line of the test module (or the repo's own file) where
it was raised; `core` is present when the exception comes from Core (a frame
in Core's package, an ImportError or AttributeError naming a Core module or
class, a Core model being built, an exception type Core defines), with the
evidence; `missing` names a module that is not installed (and not Core's).
pytest is run with --continue-on-collection-errors by the plan, so every
module that does collect still runs.
"""

import importlib.util
import os
import sys

PREFIX = "[contracts] "
MAX_MESSAGE = 500


def one_line(exc):
    """The exception as one line: its type and the first lines of its
    message (a pydantic error's first field included), without the file
    path an ImportError appends."""
    text = str(exc)
    path = getattr(exc, "path", None)
    if isinstance(exc, ImportError):
        for tail in ((" (%s)" % path) if path else None, " (unknown location)"):
            if tail and text.endswith(tail):
                text = text[: -len(tail)]
    name, obj = getattr(exc, "name", None), getattr(exc, "obj", None)
    if isinstance(exc, AttributeError) and name and obj is not None and text == name:
        # Enum members: "AttributeError: critical" says too little.
        module, qualname = CoreLocator.owner(obj)
        text = "%s has no attribute %r" % (".".join(p for p in (module, qualname) if p), name)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out = type(exc).__name__ + (": " + "; ".join(lines[:3]) if lines else "")
    return out if len(out) <= MAX_MESSAGE else out[: MAX_MESSAGE - 3] + "..."


def chain(exc):
    """exc and the exceptions it was raised from or during, innermost last."""
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def frames(exc):
    tb = exc.__traceback__
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


class CoreLocator:
    """Says whether an exception comes from Core's import package."""

    def __init__(self, package):
        self.package = package
        self.dirs = []
        if package:
            try:
                spec = importlib.util.find_spec(package)
            except (ImportError, ValueError):
                spec = None
            if spec is not None:
                self.dirs = [os.path.realpath(d) for d in (spec.submodule_search_locations or [])]
                if not self.dirs and spec.origin:
                    self.dirs = [os.path.realpath(spec.origin)]

    def is_core_module(self, name):
        return bool(self.package) and isinstance(name, str) and (
            name == self.package or name.startswith(self.package + "."))

    def in_core(self, filename):
        real = os.path.realpath(filename)
        return any(real == d or real.startswith(d + os.sep) for d in self.dirs)

    @staticmethod
    def owner(obj):
        """The module and qualified name of a module, class or instance."""
        if isinstance(obj, type(os)):
            return obj.__name__, ""
        cls = obj if isinstance(obj, type) else type(obj)
        return getattr(cls, "__module__", None), getattr(cls, "__qualname__", "")

    def evidence(self, exc, rootdir):
        """Why exc comes from Core, or None. rootdir is the downstream's
        checkout: a frame of its own code never makes Core the culprit."""
        for e in chain(exc):
            found = self._evidence(e, rootdir)
            if found:
                return found
        return None

    def _evidence(self, e, rootdir):
        if isinstance(e, ImportError) and self.is_core_module(e.name):
            return "%s from %s" % (type(e).__name__, e.name)
        if isinstance(e, AttributeError) and getattr(e, "obj", None) is not None:
            module, qualname = self.owner(e.obj)
            if self.is_core_module(module):
                return "AttributeError on %s" % ".".join(p for p in (module, qualname) if p)
        if self.is_core_module(type(e).__module__):
            return "%s is defined by %s" % (type(e).__name__, type(e).__module__)
        for frame, line in frames(e):
            if self.in_core(frame.f_code.co_filename):
                return "raised in %s:%d" % (self.relative(frame.f_code.co_filename), line)
            if own_code(frame, rootdir):
                continue  # the downstream's own method: its bug, whatever it subclasses
            for name in ("self", "cls"):
                obj = frame.f_locals.get(name)
                if obj is None:
                    continue
                cls = obj if isinstance(obj, type) else type(obj)
                for base in getattr(cls, "__mro__", ()):
                    module, qualname = self.owner(base)
                    if self.is_core_module(module):
                        built = ".".join(p for p in self.owner(cls) if p)
                        core = ".".join(p for p in (module, qualname) if p)
                        return "raised while building %s" % (core if built == core else "%s (a %s)" % (built, core))
        return None

    def relative(self, filename):
        real = os.path.realpath(filename)
        for d in self.dirs:
            base = os.path.dirname(d)
            if real.startswith(base + os.sep):
                return os.path.relpath(real, base)
        return os.path.basename(real)


def where(exc, node, rootdir):
    """The innermost line of the collected file (or, failing that, of any
    file of the repo outside installed packages) where exc was raised; for
    a SyntaxError, the line that does not parse."""
    target = os.path.realpath(str(getattr(node, "path", "") or "")) if getattr(node, "path", None) else ""
    best, fallback = None, None

    def consider(filename, line):
        nonlocal best, fallback
        if not filename or not line or not os.path.isfile(filename):
            return
        filename = os.path.realpath(filename)
        if filename == target:
            best = (filename, line)
        elif filename.startswith(rootdir + os.sep) and "site-packages" not in filename:
            fallback = (filename, line)

    for e in chain(exc):
        for frame, line in frames(e):
            consider(frame.f_code.co_filename, line)
        if isinstance(e, SyntaxError):
            consider(e.filename, e.lineno)
    found = best or fallback
    if found is None:
        return None
    return "%s:%d" % (os.path.relpath(found[0], rootdir), found[1])


def own_code(frame, rootdir):
    """Whether a frame runs the downstream's own code: a file of its
    checkout, or a module of its own package wherever it is installed."""
    filename = os.path.realpath(frame.f_code.co_filename)
    if filename.startswith(rootdir + os.sep) and "site-packages" not in filename:
        return True
    name = frame.f_globals.get("__name__") or ""
    return name not in ("", "__main__") and own_module(name, rootdir)


def own_module(name, rootdir):
    """Whether a module name belongs to the downstream itself (its top-level
    package or module is in its checkout, flat or src layout): then a
    ModuleNotFoundError is its own bug, not a missing third-party module."""
    top = name.split(".")[0]
    return any(os.path.exists(os.path.join(rootdir, *parts))
               for parts in ((top,), (top + ".py",), ("src", top), ("src", top + ".py")))


class CollectionErrors:
    """pytest plugin: describes each collection error at the top of its report."""

    def __init__(self, core_package):
        self.core = CoreLocator(core_package)

    def pytest_exception_interact(self, node, call, report):
        import pytest

        if not isinstance(report, pytest.CollectReport) or call.excinfo is None:
            return
        exc = call.excinfo.value
        if isinstance(exc, pytest.Collector.CollectError) and exc.__cause__ is not None:
            exc = exc.__cause__
        rootdir = os.path.realpath(str(node.config.rootpath))
        lines = []
        at = where(exc, node, rootdir)
        if at:
            lines.append("at: " + at)
        lines.append("exception: " + one_line(exc))
        evidence = self.core.evidence(exc, rootdir)
        if evidence:
            lines.append("core: " + evidence)
        elif isinstance(exc, ModuleNotFoundError) and exc.name and not own_module(exc.name, rootdir):
            lines.append("missing: " + exc.name)
        header = "".join(PREFIX + line.replace("\n", " ") + "\n" for line in lines)
        report.longrepr = header + "\n" + str(report.longrepr)


def main(argv):
    core_package = ""
    if len(argv) >= 2 and argv[0] == "--core-package":
        core_package, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    # As `python -m pytest` has it: the working directory first on sys.path,
    # not this script's directory.
    sys.path[0] = os.getcwd()
    import pytest

    return int(pytest.main(argv, plugins=[CollectionErrors(core_package)]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
