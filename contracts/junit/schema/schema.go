// Package schema holds the XML Schema of the JUnit reports this tool
// writes (contracts-junit.xsd: Jenkins' junit-10.xsd subset plus three
// documented additions) and checks files against it with xmllint, for the
// tests: every report a test writes is validated.
package schema

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// XSD is the schema.
//
//go:embed contracts-junit.xsd
var XSD []byte

// Validate checks every file against XSD with xmllint (Debian's
// libxml2-utils, which .ci/setup installs). The error quotes what xmllint
// said about each file that does not validate.
func Validate(files ...string) error {
	if len(files) == 0 {
		return nil
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return errors.New("xmllint is not installed (Debian: libxml2-utils; bash .ci/setup installs it)")
	}
	dir, err := os.MkdirTemp("", "junit-schema-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	xsd := filepath.Join(dir, "contracts-junit.xsd")
	if err := os.WriteFile(xsd, XSD, 0o644); err != nil {
		return err
	}
	out, err := exec.Command(xmllint, append([]string{"--noout", "--nonet", "--schema", xsd}, files...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("JUnit reports do not validate against contracts-junit.xsd: %v\n%s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ValidateDir validates every .xml file under dir.
func ValidateDir(dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	return Validate(files...)
}
