package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/rpm"
)

// packager is what nfpm's deb and rpm packagers have in common.
type packager interface {
	nfpm.Packager
	ConventionalFileName(*nfpm.Info) string
}

// packagers are the package formats, by file extension.
func packagers() map[string]packager {
	return map[string]packager{"deb": deb.Default, "rpm": rpm.DefaultRPM}
}

// packageInfo describes the package of release for arch (Go's name) to
// nfpm. Units are rendered into staging, which must outlive the packaging.
func packageInfo(root, staging string, release []file, arch, version string, mtime time.Time) (*nfpm.Info, error) {
	var contents files.Contents
	for _, f := range release {
		if f.pkg == "" {
			continue
		}
		c := &files.Content{
			Source:      f.src,
			Destination: f.pkg,
			FileInfo:    &files.ContentFileInfo{Owner: "root", Group: "root", Mode: f.mode(), MTime: mtime},
		}
		switch f.kind {
		case dir:
			c.Type = files.TypeDir
		case config:
			// deb: a conffile; rpm: %config(noreplace). An upgrade keeps the
			// admin's edits either way.
			c.Type = files.TypeConfigNoReplace
		case unit:
			body, err := f.body(packageBinDir)
			if err != nil {
				return nil, err
			}
			c.Source = filepath.Join(staging, filepath.Base(f.pkg))
			if err := os.WriteFile(c.Source, body, 0o644); err != nil {
				return nil, fmt.Errorf("staging %s: %w", f.pkg, err)
			}
		}
		contents = append(contents, c)
	}
	return nfpm.WithDefaults(&nfpm.Info{
		Name:          packageName,
		Arch:          arch,
		Platform:      "linux",
		Version:       version,
		VersionSchema: "none", // packageVersion already orders it for dpkg and rpm
		Section:       "net",
		Priority:      "optional",
		Maintainer:    "The kos_exporter Authors",
		Homepage:      "https://github.com/kos-ops/kos_exporter",
		License:       "Apache-2.0",
		Description: "Prometheus exporter for the KOS order and activation database\n" +
			"kos_exporter turns declarative, read-only SQL collectors into Prometheus\n" +
			"metrics; kos_report sends the hourly results table to a webhook.\n" +
			"Both run as hardened systemd services (kos_exporter.service,\n" +
			"kos_report.service), not started on install.",
		MTime: mtime,
		Overridables: nfpm.Overridables{
			Contents: contents,
			Scripts: nfpm.Scripts{
				PostInstall: filepath.Join(root, postInstall),
				PreRemove:   filepath.Join(root, preRemove),
				PostRemove:  filepath.Join(root, postRemove),
			},
			Deb: nfpm.Deb{Compression: "zstd"},
			RPM: nfpm.RPM{Compression: "zstd", Summary: "Prometheus exporter for the KOS order and activation database", Group: "System Environment/Daemons"},
		},
	}), nil
}
