package main

import (
	"fmt"
	"regexp"
	"strings"
)

// describe matches `git describe --tags --always --dirty` on a vX.Y.Z tag:
// release, prerelease, commits since the tag, commit, dirty.
var describe = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)(?:-([0-9A-Za-z.]+?))??(?:-(\d+)-g([0-9a-f]+))?(-dirty)?$`)

// untagged matches what git describe prints without a tag (the commit),
// and the Makefile's "dev" outside a git checkout.
var untagged = regexp.MustCompile(`^([0-9a-f]{4,40}|dev)(-dirty)?$`)

// packageVersion turns the build's version into one that dpkg and rpm order
// correctly: a prerelease sorts before its release ("~"), commits after a
// tag sort after it ("+"), and an untagged build before any release.
func packageVersion(v string) (string, error) {
	if m := describe.FindStringSubmatch(v); m != nil {
		out := m[1]
		if m[2] != "" {
			out += "~" + m[2]
		}
		var build []string
		if m[3] != "" {
			build = append(build, m[3], "g"+m[4])
		}
		if m[5] != "" {
			build = append(build, "dirty")
		}
		if len(build) > 0 {
			out += "+" + strings.Join(build, ".")
		}
		return out, nil
	}
	if m := untagged.FindStringSubmatch(v); m != nil {
		out := "0.0.0~git." + m[1]
		if m[2] != "" {
			out += ".dirty"
		}
		return out, nil
	}
	return "", fmt.Errorf("version %q is neither a vX.Y.Z git describe nor a commit", v)
}

// fileVersion is the version in archive names: as built, without a leading v.
func fileVersion(v string) string { return strings.TrimPrefix(v, "v") }
