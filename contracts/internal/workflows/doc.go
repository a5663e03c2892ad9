// Package workflows holds the tests of this repository's GitHub workflows
// (.github/workflows): actionlint passes on each; contracts.yml and
// release.yml stay thin (every run step is a `dagger call`); contracts.yml
// runs the contracts once, pins the module at its release and notifies
// only when asked; release.yml builds from the tag and uploads exactly
// what it built.
package workflows
