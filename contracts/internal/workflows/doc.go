// Package workflows holds the tests of this repository's GitHub workflows
// (.github/workflows): actionlint passes on each, and the contracts workflow
// stays thin (every run step is a `dagger call`).
package workflows
