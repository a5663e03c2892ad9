package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// installedFiles lists the files a distribution installed into its site
// directory, as slash-separated paths relative to it, sorted, without its
// info directory (the wheel gets a .dist-info of its own making), byte
// code, or anything installed outside the site directory (scripts, data
// files: pip makes console scripts again from entry_points.txt). skipped
// counts what was left out for being outside or missing.
//
// Where the list comes from, first found: the RECORD of a .dist-info; the
// installed-files.txt of an .egg-info that pip or setup.py installed; the
// files of the Debian package owning the info directory (dpkg-query -L),
// since Debian's .egg-info and some of its .dist-info directories have
// neither.
func installedFiles(ctx context.Context, d dist) (files []string, skipped int, err error) {
	listed, err := listedFiles(ctx, d)
	if err != nil {
		return nil, 0, err
	}
	seen := map[string]bool{}
	for _, rel := range listed {
		rel = path.Clean(rel)
		switch {
		case rel == "." || seen[rel] || strings.HasPrefix(rel, d.InfoDir+"/") || isBytecode(rel):
			continue
		case path.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../"):
			skipped++
			continue
		}
		info, err := os.Stat(filepath.Join(d.Site, filepath.FromSlash(rel)))
		if err != nil {
			skipped++
			continue
		}
		if info.Mode().IsRegular() {
			seen[rel] = true
			files = append(files, rel)
		}
	}
	slices.Sort(files)
	return files, skipped, nil
}

func isBytecode(rel string) bool {
	return strings.Contains("/"+rel, "/__pycache__/") || strings.HasSuffix(rel, ".pyc") || strings.HasSuffix(rel, ".pyo")
}

// listedFiles returns the distribution's file list as its installer left
// it, relative to the site directory (entries may still leave it).
func listedFiles(ctx context.Context, d dist) ([]string, error) {
	if f, err := os.Open(d.infoPath("RECORD")); err == nil {
		defer f.Close()
		return recordPaths(f)
	}
	if data, err := os.ReadFile(d.infoPath("installed-files.txt")); err == nil {
		var out []string
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, path.Join(d.InfoDir, filepath.ToSlash(line)))
			}
		}
		return out, nil
	}
	return dpkgFiles(ctx, d)
}

// recordPaths reads the paths of a RECORD file (CSV: path, hash, size).
func recordPaths(r io.Reader) ([]string, error) {
	rows := csv.NewReader(r)
	rows.FieldsPerRecord = -1
	var out []string
	for {
		row, err := rows.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("RECORD: %w", err)
		}
		if len(row) > 0 && row[0] != "" {
			out = append(out, row[0])
		}
	}
}

// dpkgFiles lists the files of the Debian package that installed d's info
// directory, relative to d.Site.
func dpkgFiles(ctx context.Context, d dist) ([]string, error) {
	info := filepath.Join(d.Site, d.InfoDir)
	owner, err := exec.CommandContext(ctx, "dpkg-query", "--search", info).Output()
	if err != nil {
		return nil, fmt.Errorf("%s has no RECORD or installed-files.txt, and no Debian package owns it (dpkg-query --search: %v)", info, exitDetail(err))
	}
	// "python3-pluggy: /usr/lib/python3/dist-packages/pluggy-1.0.0+repack.egg-info"
	pkgs, _, _ := strings.Cut(strings.SplitN(string(owner), "\n", 2)[0], ": ")
	var out []string
	for _, pkg := range strings.Split(pkgs, ", ") {
		list, err := exec.CommandContext(ctx, "dpkg-query", "--listfiles", strings.TrimSpace(pkg)).Output()
		if err != nil {
			return nil, fmt.Errorf("dpkg-query --listfiles %s: %v", pkg, exitDetail(err))
		}
		lines := bufio.NewScanner(strings.NewReader(string(list)))
		for lines.Scan() {
			if rel, ok := strings.CutPrefix(lines.Text(), d.Site+"/"); ok {
				out = append(out, rel)
			}
		}
	}
	return out, nil
}
