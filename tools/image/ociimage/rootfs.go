package ociimage

import (
	"bytes"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// passwd and group name the image's users for tools that show names
// (ps, ls -n in a debug container); the binaries need neither.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	group = "root:x:0:\n" +
		"nogroup:x:65534:\n"
)

// CABundle is the PEM bundle of the Mozilla NSS root store as the Go team
// publishes it in golang.org/x/crypto/x509roots/fallback, pinned by
// tools/image/go.sum: reproducible, and updated like any module (distroless
// takes the same store from a pinned Debian ca-certificates package). Roots
// with a distrust-after date are left out: a PEM file cannot carry the
// constraint, and trusting less is the safe side.
func CABundle() ([]byte, error) {
	var b bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		if err := pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}); err != nil {
			return nil, fmt.Errorf("encoding a root certificate: %w", err)
		}
	}
	if b.Len() == 0 {
		return nil, fmt.Errorf("the root store bundle is empty")
	}
	return b.Bytes(), nil
}
