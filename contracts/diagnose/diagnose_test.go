package diagnose

import (
	"os"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// pipNoIndex is what pip printed in a real Dagger engine without a package
// index (the case issue 9 describes): retries first, the decisive ERROR last.
const pipNoIndex = `Processing ./downstream
  Installing build dependencies: started
  Installing build dependencies: finished with status 'error'
  error: subprocess-exited-with-error

  × pip subprocess to install build dependencies did not run successfully.
  │ exit code: 1
  ╰─> [7 lines of output]
      WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/setuptools/
      WARNING: Retrying (Retry(total=3, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/setuptools/
      WARNING: Retrying (Retry(total=2, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/setuptools/
      ERROR: Could not find a version that satisfies the requirement setuptools>=61 (from versions: none)
      ERROR: No matching distribution found for setuptools>=61
      [end of output]

  note: This error originates from a subprocess, and is likely not a problem with pip.
error: subprocess-exited-with-error
`

func TestQuoteKeepsTheDecisiveLines(t *testing.T) {
	got := Quote(pipNoIndex)
	want := "ERROR: Could not find a version that satisfies the requirement setuptools>=61 (from versions: none) | " +
		"ERROR: No matching distribution found for setuptools>=61 | × pip subprocess to install build dependencies did not run successfully."
	if got != want {
		t.Errorf("Quote =\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(got, "Retrying") {
		t.Error("the quote repeats pip's retry chatter")
	}
}

func TestQuoteOfPlainOutput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"last lines", "a\nb\n\nc\nd\n", "b | c | d"},
		{"python exception first", "Traceback (most recent call last):\n  File \"x.py\", line 1\nModuleNotFoundError: No module named 'setuptools'\nmore\n",
			"ModuleNotFoundError: No module named 'setuptools' | File \"x.py\", line 1 | more"},
		{"git fatal", "Cloning...\nfatal: repository 'https://x/y' not found\n", "fatal: repository 'https://x/y' not found | Cloning..."},
		{"no trailing newline", "one\ntwo", "one | two"},
		{"each decisive line once", "ERROR: x\nERROR: x\nERROR: y\n", "ERROR: x | ERROR: y"},
		{"empty", "\n\n", ""},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("%s: Quote = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRecorderKeepsAnEarlyErrorInLongOutput(t *testing.T) {
	var r Recorder
	r.Write([]byte("ERROR: the cause\n"))
	for i := 0; i < 10000; i++ {
		r.Write([]byte("WARNING: Retrying (Retry(total=1)) ...\nnoise line\n"))
	}
	r.Write([]byte("final wo"))
	r.Write([]byte("rds"))
	if got := r.Quote(); got != "ERROR: the cause | noise line | final words" {
		t.Errorf("Quote = %q", got)
	}
	long := strings.Repeat("x", 10*maxLine)
	r = Recorder{}
	r.Write([]byte(long + "\n"))
	if got := r.Quote(); len(got) > maxLine {
		t.Errorf("a long line is quoted with %d bytes", len(got))
	}
}

func TestShortenKeepsBothEnds(t *testing.T) {
	reason := "install downstream (auto) failed (exit 1): ERROR: No matching distribution found for setuptools>=61 | " + strings.Repeat("x", 500) + " | the last line"
	got := Shorten(reason, 200)
	if len(got) > 200 || !strings.HasPrefix(got, "install downstream (auto) failed (exit 1): ERROR: No matching") || !strings.HasSuffix(got, "the last line") {
		t.Errorf("Shorten = %q (%d bytes)", got, len(got))
	}
	if Shorten("short", 200) != "short" {
		t.Error("a short reason was changed")
	}
}

func TestCollectionErrorWithHeader(t *testing.T) {
	c := junit.Case{Name: "tests.contracts.test_rates", Status: junit.StatusError, Message: CollectionMessage, File: "tests/contracts/test_rates.py",
		Text: "[contracts] at: tests/contracts/test_rates.py:4\n" +
			"[contracts] exception: ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'\n" +
			"[contracts] core: ImportError from market_data_core.telemetry\n\nImportError while importing test module ...\nE   ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry' (/x/telemetry.py)\n"}
	col, ok := CollectionError(c)
	if !ok {
		t.Fatal("not recognised as a collection error")
	}
	want := Collection{Module: "tests.contracts.test_rates", File: "tests/contracts/test_rates.py", Line: 4,
		Exception: "ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'",
		Core:      "ImportError from market_data_core.telemetry"}
	if col != want {
		t.Errorf("got %+v\nwant %+v", col, want)
	}
	if !col.FromCore() || !col.Contains("tests.contracts.test_rates") || !col.Contains("tests.contracts.test_rates.TestX") || col.Contains("tests.contracts.test_rates_v2") {
		t.Errorf("FromCore/Contains wrong for %+v", col)
	}
	got := Cases([]junit.Case{c, {Classname: "t", Name: "ok", Status: junit.StatusPassed}})
	if got[0].Message != want.Exception || got[0].Line != 4 || got[1].Message != "" {
		t.Errorf("Cases = %+v", got)
	}
	if c.Message != CollectionMessage {
		t.Error("Cases changed its input")
	}
	// Read back from a report the tool wrote: the message is the exception now.
	c.Message = want.Exception
	if again, ok := CollectionError(c); !ok || again != want {
		t.Errorf("a rewritten collection error reads %+v, %v", again, ok)
	}
}

func TestCollectionErrorOfPlainPytest(t *testing.T) {
	rep, err := junit.ParseFile("../junit/testdata/pytest-collection-error.xml")
	if err != nil {
		t.Fatal(err)
	}
	cols := Collections(rep.Cases())
	if len(cols) != 1 {
		t.Fatalf("collections = %+v", cols)
	}
	col := cols[0]
	if col.Module != "tests.contracts.test_broken" || col.Exception != "ModuleNotFoundError: No module named 'market_data_core_does_not_exist'" || col.FromCore() {
		t.Errorf("got %+v", col)
	}
	if col.Describe() != "tests/contracts/test_broken.py:1: ModuleNotFoundError: No module named 'market_data_core_does_not_exist'" {
		t.Errorf("Describe = %q", col.Describe())
	}
	// What Cases returns is still a collection error saying the same.
	again := Collections(Cases(Cases(rep.Cases())))
	if len(again) != 1 || again[0] != col {
		t.Errorf("after Cases: %+v, want %+v", again, col)
	}
}

func TestNotCollectionErrors(t *testing.T) {
	for _, c := range []junit.Case{
		{Classname: "tests.contracts.test_x", Name: "test_y", Status: junit.StatusError, Message: CollectionMessage},
		{Name: "tests.contracts.test_x", Status: junit.StatusFailed, Message: CollectionMessage},
		{Name: "tests.contracts.test_x", Status: junit.StatusError, Message: "fixture 'db' not found"},
		{Name: "x", Status: junit.StatusError, Message: "m", Text: "text [contracts] at: x.py:1"},
	} {
		if col, ok := CollectionError(c); ok {
			t.Errorf("%+v read as a collection error: %+v", c, col)
		}
	}
}

func TestHeaderOnlyAtTheTop(t *testing.T) {
	data, err := os.ReadFile("../junit/testdata/pytest-collection-error.xml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data) + "\n[contracts] core: spoofed\n"
	if h, ok := readHeader(text); ok {
		t.Errorf("header read from the middle of the text: %v", h)
	}
}
