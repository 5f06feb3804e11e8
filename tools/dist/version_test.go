package main

import (
	"os/exec"
	"testing"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

func TestPackageVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"v1.2.3", "1.2.3"},
		{"1.2.3", "1.2.3"},
		{"v1.2.3-dirty", "1.2.3+dirty"},
		{"v1.2.3-4-gabcdef0", "1.2.3+4.gabcdef0"},
		{"v1.2.3-4-gabcdef0-dirty", "1.2.3+4.gabcdef0.dirty"},
		{"v1.2.3-rc.1", "1.2.3~rc.1"},
		{"v1.2.3-rc.1-dirty", "1.2.3~rc.1+dirty"},
		{"v1.2.3-rc.1-4-gabcdef0", "1.2.3~rc.1+4.gabcdef0"},
		{"v10.20.30-12-g0123456789abcdef0123456789abcdef01234567", "10.20.30+12.g0123456789abcdef0123456789abcdef01234567"},
		{"d42f478", "0.0.0~git.d42f478"},
		{"d42f478-dirty", "0.0.0~git.d42f478.dirty"},
		{"dev", "0.0.0~git.dev"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := packageVersion(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("packageVersion(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "v1.2", "1.2.3 ", "v1.2.3-", "v1.2.3-rc_1", "release", "1.2.3/../x", "D42F478"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if got, err := packageVersion(bad); err == nil {
				t.Errorf("packageVersion(%q) = %q, want an error", bad, got)
			}
		})
	}
}

func TestFileVersion(t *testing.T) {
	for in, want := range map[string]string{"v1.2.3": "1.2.3", "v1.2.3-4-gabcdef0-dirty": "1.2.3-4-gabcdef0-dirty", "d42f478": "d42f478"} {
		if got := fileVersion(in); got != want {
			t.Errorf("fileVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPackageVersionOrder: builds in the order they are made must upgrade
// one another, by rpm's rules and, where dpkg exists, by dpkg's.
func TestPackageVersionOrder(t *testing.T) {
	builds := []string{"d42f478", "v0.9.0", "v1.0.0-rc.1", "v1.0.0-rc.1-3-gabcdef0", "v1.0.0", "v1.0.0-9-gabcdef0", "v1.0.0-10-g0123456", "v1.0.1"}
	var versions []string
	for _, b := range builds {
		v, err := packageVersion(b)
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	_, dpkgErr := exec.LookPath("dpkg")
	for i := 1; i < len(versions); i++ {
		older, newer := versions[i-1], versions[i]
		if rpmutils.Vercmp(older, newer) != -1 {
			t.Errorf("rpm: %s does not upgrade %s", newer, older)
		}
		if dpkgErr == nil {
			if err := exec.Command("dpkg", "--compare-versions", older, "lt", newer).Run(); err != nil {
				t.Errorf("dpkg: %s does not upgrade %s: %v", newer, older, err)
			}
		}
	}
	if dpkgErr != nil {
		t.Log("dpkg not found: order checked by rpm's rules only")
	}
}
