package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// coreStub is a small Core package for the wrapper's tests: an enum, a
// strict pydantic model, a function that raises.
var coreStub = map[string]string{
	"site/market_data_core/__init__.py": "__version__ = \"3.0.0\"\n",
	"site/market_data_core/telemetry.py": `from enum import Enum
from pydantic import BaseModel, ConfigDict


class BackpressureLevel(str, Enum):
    ok = "ok"


class FeedbackEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: BackpressureLevel


def boom():
    raise ValueError("core says no")
`,
}

// contractModules are test modules that fail to import in every way the
// wrapper tells apart, and one that runs.
var contractModules = map[string]string{
	"tests/contracts/__init__.py":         "",
	"tests/contracts/test_import.py":      "from market_data_core.telemetry import RateAdjustment\n\ndef test_x():\n    pass\n",
	"tests/contracts/test_enum.py":        "import pytest\nfrom market_data_core.telemetry import BackpressureLevel\n\n\n@pytest.mark.parametrize('level', [BackpressureLevel.critical])\ndef test_x(level):\n    pass\n",
	"tests/contracts/test_model.py":       "from market_data_core.telemetry import FeedbackEvent\n\nEVENT = FeedbackEvent(level='ok', reason='x')\n",
	"tests/contracts/test_core_raises.py": "from market_data_core import telemetry\n\ntelemetry.boom()\n",
	"tests/contracts/test_env.py":         "import loguru_not_installed_here\n",
	"tests/contracts/test_own_bug.py":     "raise RuntimeError('our own bug')\n",
	"tests/contracts/test_lookalike.py":   "import market_data_core_extras\n",
	"tests/contracts/test_syntax.py":      "def test_broken(:\n    pass\n",
	"tests/contracts/test_subclass.py":    "from market_data_core.telemetry import FeedbackEvent\n\n\nclass Extended(FeedbackEvent):\n    pass\n\n\nEVENT = Extended(level='ok', reason='x')\n",
	"tests/contracts/test_own_missing.py": "import ownpkg.gone\n",
	"ownpkg/__init__.py":                  "",
	"tests/contracts/test_own_init.py":    "from market_data_core.telemetry import FeedbackEvent\n\n\nclass Strict(FeedbackEvent):\n    def __init__(self, **data):\n        raise ValueError('our own check')\n\n\nEVENT = Strict(level='ok', reason='x')\n",
	"tests/contracts/test_own_model.py":   "from ownpkg.models import Checked\n\nEVENT = Checked(level='ok', reason='x')\n",
	"ownpkg/models.py":                    "from market_data_core.telemetry import FeedbackEvent\n\n\nclass Checked(FeedbackEvent):\n    def __init__(self, **data):\n        if data.get('reason') == 'x':\n            raise ValueError('ownpkg refuses x')\n        super().__init__(**data)\n",
	"tests/contracts/test_runs.py":        "def test_ok():\n    pass\n\n\ndef test_bad():\n    assert 1 == 2\n",
}

// TestPytestWrapperDescribesCollectionErrors runs the embedded wrapper with
// real pytest on modules that cannot be imported and checks, through
// package diagnose, what each collection error reports: the exception,
// the test module's line, and whether Core raised it. The module that
// imports keeps running (--continue-on-collection-errors).
func TestPytestWrapperDescribesCollectionErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range coreStub {
		write(t, filepath.Join(dir, name), content)
	}
	for name, content := range contractModules {
		write(t, filepath.Join(dir, "ds", name), content)
	}
	write(t, filepath.Join(dir, PytestWrapperPath), pytestWrapper)
	argv := PytestArgv("suite", "tests/contracts", "market_data_core", "../junit.xml")
	cmd := exec.Command("python3", argv[1:]...)
	cmd.Dir = filepath.Join(dir, "ds")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(dir, "site"), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("pytest: %v, want exit 1\n%s", err, out)
	}
	rep, err := junit.ParseFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]diagnose.Collection{}
	for _, c := range diagnose.Collections(rep.Cases()) {
		got[c.Module] = c
	}
	for module, want := range map[string]struct{ at, exception, core, missing string }{
		"test_import":      {"test_import.py:1", "ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'", "ImportError from market_data_core.telemetry", ""},
		"test_enum":        {"test_enum.py:5", "AttributeError: market_data_core.telemetry.BackpressureLevel has no attribute 'critical'", "AttributeError on market_data_core.telemetry.BackpressureLevel", ""},
		"test_model":       {"test_model.py:3", "ValidationError: 1 validation error for FeedbackEvent", "raised while building market_data_core.telemetry.FeedbackEvent", ""},
		"test_core_raises": {"test_core_raises.py:3", "ValueError: core says no", "raised in market_data_core/telemetry.py:15", ""},
		"test_env":         {"test_env.py:1", "ModuleNotFoundError: No module named 'loguru_not_installed_here'", "", "loguru_not_installed_here"},
		"test_own_bug":     {"test_own_bug.py:1", "RuntimeError: our own bug", "", ""},
		"test_lookalike":   {"test_lookalike.py:1", "ModuleNotFoundError: No module named 'market_data_core_extras'", "", "market_data_core_extras"},
		"test_syntax":      {"test_syntax.py:1", "SyntaxError: invalid syntax", "", ""},
		"test_subclass":    {"test_subclass.py:8", "ValidationError: 1 validation error for Extended", "raised while building contracts.test_subclass.Extended (a market_data_core.telemetry.FeedbackEvent)", ""},
		"test_own_missing": {"test_own_missing.py:1", "ModuleNotFoundError: No module named 'ownpkg.gone'", "", ""},
		// A subclass of a Core model whose own __init__ raises: the downstream's bug.
		"test_own_init":  {"test_own_init.py:6", "ValueError: our own check", "", ""},
		"test_own_model": {"test_own_model.py:3", "ValueError: ownpkg refuses x", "", ""},
	} {
		c, ok := got["tests.contracts."+module]
		if !ok {
			t.Errorf("%s: no collection error reported", module)
			continue
		}
		if c.File+":"+strconv.Itoa(c.Line) != "tests/contracts/"+want.at || !strings.HasPrefix(c.Exception, want.exception) || c.Core != want.core || c.Missing != want.missing {
			t.Errorf("%s: at %s:%d, exception %q, core %q, missing %q\nwant at %s, exception %q..., core %q, missing %q",
				module, c.File, c.Line, c.Exception, c.Core, c.Missing, want.at, want.exception, want.core, want.missing)
		}
	}
	if c := junit.Count(rep.Cases()); c.Passed != 1 || c.Failed != 1 || c.Errors != 12 {
		t.Errorf("counts %+v, want the runnable module's pass and failure next to 12 collection errors", c)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
