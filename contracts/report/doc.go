// Package report turns a contract run into reports and reads them back.
//
// A Result is the whole run: one or more candidate Core runs (several make
// a compatibility matrix: downstream x Core ref, optionally x Python), an
// optional baseline run per Python with which every candidate is compared
// (see package compare), and the fail-on policy.
//
// Runners produce outcomes; the CLI and the Dagger module assemble them
// into a Result and then call, in this order:
//
//	res.Classify()           // compare each run with its baseline
//	report.Write(dir, res)   // per-suite JUnit, junit.xml, summary.json, summary.md
//	report.Terminal(os.Stdout, res)
//	os.Exit(report.ExitCode(res))
//
// (Write calls Classify itself.) `contracts report --from DIR` calls Load,
// which reads summary.json and the per-suite JUnit files back into the same
// Result. Package report/github publishes a Result to GitHub Actions.
//
// The output directory holds:
//
//	summary.json                 the run, schema in contracts/report/SUMMARY_SCHEMA.md
//	summary.md                   regressions, per-repo table, matrix, failing tests
//	junit.xml                    one <testsuite> per downstream and candidate run
//	junit/<run>/<downstream>.xml one report per suite, baselines included
//	logs/<run>/<downstream>.log  suite logs, written by the runners
//
// Every suite always gets its JUnit report: a suite that errored, timed out
// or collected nothing gets a synthesized <testcase> whose <error> carries
// the reason, so JUnit consumers never show it green.
package report
