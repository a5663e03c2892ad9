package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// wheel is a wheel rebuilt from an installed distribution.
type wheel struct {
	// File is its file name, Path where it was written.
	File, Path string
	// SHA256 is the hex digest of the file.
	SHA256 string
	// RequiresPython is the metadata's Requires-Python ("" if none).
	RequiresPython string
	// Size is the file's size in bytes; Skipped the installed files left
	// out (outside the site directory, or listed but missing).
	Size    int64
	Skipped int
}

// generator names the rebuilder in the WHEEL files it writes.
const generator = "market-data-contracts pyindex (rebuilt from an installed distribution)"

// zipTime is every entry's time, so a rebuild of the same files is the
// same file, with the same digest and URL.
var zipTime = time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)

// notWheelMetadata are .dist-info files an installer wrote, not the wheel
// (PEP 376, PEP 610); RECORD is written anew.
var notWheelMetadata = []string{"INSTALLER", "REQUESTED", "RECORD", "RECORD.jws", "RECORD.p7s", "direct_url.json"}

// rebuild writes d as a wheel into dir: its installed files as they are
// on disk, a .dist-info (its own for a .dist-info, made from the .egg-info
// otherwise), WHEEL with the tags it was installed with (or, without a
// WHEEL file, py3-none-any for pure Python and the interpreter's own tags
// when it holds extension modules), and a RECORD of every file.
func rebuild(ctx context.Context, d dist, in interpreter, dir string) (wheel, error) {
	files, skipped, err := installedFiles(ctx, d)
	if err != nil {
		return wheel{}, err
	}
	info, meta, err := wheelInfo(d, files, in)
	if err != nil {
		return wheel{}, fmt.Errorf("%s: %w", filepath.Join(d.Site, d.InfoDir), err)
	}
	tags := wheelTags(meta["WHEEL"])
	name := fmt.Sprintf("%s-%s-%s.whl", escapeName(d.Name), strings.ReplaceAll(d.Version, "-", "_"), fileTag(tags))
	var buf bytes.Buffer
	if err := writeWheel(&buf, d.Site, files, info, meta); err != nil {
		return wheel{}, fmt.Errorf("%s: %w", name, err)
	}
	target := filepath.Join(dir, name)
	if err := os.WriteFile(target, buf.Bytes(), 0o644); err != nil {
		return wheel{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return wheel{
		File: name, Path: target, SHA256: hex.EncodeToString(sum[:]), Size: int64(buf.Len()),
		RequiresPython: d.Meta.Get("Requires-Python"), Skipped: skipped,
	}, nil
}

// wheelInfo returns the name of the wheel's .dist-info directory and its
// files (name -> content), RECORD left out.
func wheelInfo(d dist, files []string, in interpreter) (string, map[string][]byte, error) {
	meta := map[string][]byte{}
	info := d.InfoDir
	if d.EggInfo() {
		info = fmt.Sprintf("%s-%s.dist-info", escapeName(d.Name), d.Version)
		data, err := distInfoMetadata(d)
		if err != nil {
			return "", nil, err
		}
		meta["METADATA"] = data
		for _, name := range []string{"entry_points.txt", "top_level.txt"} {
			if data, err := os.ReadFile(d.infoPath(name)); err == nil {
				meta[name] = data
			}
		}
	} else {
		err := filepath.WalkDir(filepath.Join(d.Site, d.InfoDir), func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return err
			}
			rel, _ := filepath.Rel(filepath.Join(d.Site, d.InfoDir), p)
			rel = filepath.ToSlash(rel)
			if slices.Contains(notWheelMetadata, rel) || isBytecode(rel) {
				return nil
			}
			data, err := os.ReadFile(p)
			meta[rel] = data
			return err
		})
		if err != nil {
			return "", nil, err
		}
	}
	if len(wheelTags(meta["WHEEL"])) == 0 {
		meta["WHEEL"] = wheelFile(files, in)
	}
	return info, meta, nil
}

// wheelFile is the WHEEL file of a distribution installed without one.
func wheelFile(files []string, in interpreter) []byte {
	purelib, tag := true, "py3-none-any"
	if slices.ContainsFunc(files, isExtension) {
		purelib, tag = false, fmt.Sprintf("%s-%s-%s", in.Tag, in.Tag, in.Platform)
	}
	return fmt.Appendf(nil, "Wheel-Version: 1.0\nGenerator: %s\nRoot-Is-Purelib: %v\nTag: %s\n", generator, purelib, tag)
}

func isExtension(rel string) bool {
	return strings.HasSuffix(rel, ".so") || strings.HasSuffix(rel, ".pyd")
}

// wheelTags reads the Tag headers of a WHEEL file.
func wheelTags(wheelFile []byte) []string {
	h, err := readHeaders(wheelFile)
	if err != nil {
		return nil
	}
	return h["Tag"]
}

// fileTag is the compressed tag set of a wheel's file name (PEP 425):
// "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64" for two tags
// that differ in their platform. A set that is not the product of its
// parts (which a file name cannot say) is named by its first tag.
func fileTag(tags []string) string {
	var parts [3][]string
	for _, t := range tags {
		p := strings.SplitN(t, "-", 3)
		if len(p) != 3 {
			continue
		}
		for i := range p {
			if !slices.Contains(parts[i], p[i]) {
				parts[i] = append(parts[i], p[i])
			}
		}
	}
	if len(tags) == 0 {
		return "py3-none-any"
	}
	if len(parts[0])*len(parts[1])*len(parts[2]) != len(tags) {
		return tags[0]
	}
	return strings.Join(parts[0], ".") + "-" + strings.Join(parts[1], ".") + "-" + strings.Join(parts[2], ".")
}

// writeWheel writes the zip: the installed files, then the .dist-info's
// files, then its RECORD naming every file with its digest and size.
func writeWheel(w io.Writer, site string, files []string, info string, meta map[string][]byte) error {
	z := zip.NewWriter(w)
	var record [][]string
	add := func(name string, mode fs.FileMode, data []byte) error {
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime}
		hdr.SetMode(mode)
		f, err := z.CreateHeader(hdr)
		if err == nil {
			_, err = f.Write(data)
		}
		sum := sha256.Sum256(data)
		record = append(record, []string{name, "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]), strconv.Itoa(len(data))})
		return err
	}
	for _, rel := range files {
		p := filepath.Join(site, filepath.FromSlash(rel))
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := add(rel, st.Mode().Perm(), data); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(meta)) {
		if err := add(path.Join(info, name), 0o644, meta[name]); err != nil {
			return err
		}
	}
	recordName := path.Join(info, "RECORD")
	var buf bytes.Buffer
	rows := csv.NewWriter(&buf)
	rows.WriteAll(append(record, []string{recordName, "", ""}))
	if err := rows.Error(); err != nil {
		return err
	}
	hdr := &zip.FileHeader{Name: recordName, Method: zip.Deflate, Modified: zipTime}
	hdr.SetMode(0o644)
	f, err := z.CreateHeader(hdr)
	if err == nil {
		_, err = f.Write(buf.Bytes())
	}
	if err != nil {
		return err
	}
	return z.Close()
}
