package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/blakesmith/ar"
	"github.com/klauspost/compress/zstd"
	rpmutils "github.com/sassoftware/go-rpmutils"
)

// item is one path read back from an artefact or a directory.
type item struct {
	mode      fs.FileMode // permissions, plus fs.ModeDir for directories
	owner     string      // "root:root"; "" where the source has no owner (a directory on disk)
	sum       string      // sha256 of the content; "" for directories
	config    bool        // deb conffile, rpm %config
	noreplace bool        // rpm %config(noreplace)
}

// listing maps absolute paths (or, for an archive, paths inside it) to entries.
type listing map[string]item

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readTar lists a tar stream and, when dest is set, writes its files there.
func readTar(r io.Reader, dest string) (listing, error) {
	out := listing{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		name := path.Clean("/" + h.Name)
		if name == "/" {
			continue
		}
		e := item{mode: fs.FileMode(h.Mode).Perm(), owner: h.Uname + ":" + h.Gname}
		switch h.Typeflag {
		case tar.TypeDir:
			e.mode |= fs.ModeDir
			if dest != "" {
				if err := os.MkdirAll(filepath.Join(dest, name), 0o755); err != nil {
					return nil, err
				}
			}
		case tar.TypeReg:
			body, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			e.sum = sha(body)
			if dest != "" {
				p := filepath.Join(dest, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return nil, err
				}
				if err := os.WriteFile(p, body, e.mode); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("%s: unexpected tar item type %q", name, h.Typeflag)
		}
		out[name] = e
	}
}

// readTarGz lists a .tar.gz file.
func readTarGz(p string) (listing, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return readTar(zr, "")
}

// debFile is a .deb read back with Go alone: its data (also extracted to a
// directory) and its control archive's files.
type debFile struct {
	data    listing
	control map[string][]byte // control, conffiles, postinst, ...
	members []string          // ar members in order
}

// readDeb reads a .deb (ar of debian-binary, control.tar.*, data.tar.*)
// and extracts its data into dataDir and its control files into ctlDir.
func readDeb(p, dataDir, ctlDir string) (*debFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &debFile{control: map[string][]byte{}}
	r := ar.NewReader(f)
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(h.Name, "/")
		d.members = append(d.members, name)
		body, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		tarStream, err := decompress(name, body)
		if err != nil {
			return nil, err
		}
		switch {
		case strings.HasPrefix(name, "control.tar"):
			l, err := readTar(tarStream, ctlDir)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for n := range l {
				if d.control[path.Base(n)], err = os.ReadFile(filepath.Join(ctlDir, n)); err != nil {
					return nil, err
				}
			}
		case strings.HasPrefix(name, "data.tar"):
			if d.data, err = readTar(tarStream, dataDir); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	for _, c := range lines(d.control["conffiles"]) {
		e, ok := d.data[c]
		if !ok {
			return nil, fmt.Errorf("conffile %s is not in the package", c)
		}
		e.config = true
		d.data[c] = e
	}
	return d, nil
}

// decompress opens an ar member by its name's compression suffix.
func decompress(name string, body []byte) (io.Reader, error) {
	switch path.Ext(name) {
	case ".gz":
		return gzip.NewReader(bytes.NewReader(body))
	case ".zst":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	case ".tar", "":
		return bytes.NewReader(body), nil
	}
	return nil, fmt.Errorf("%s: unknown compression", name)
}

func lines(b []byte) []string {
	var out []string
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// readRPM checks the rpm's header and payload digests and lists the files
// its header declares.
func readRPM(p string) (*rpmutils.RpmHeader, listing, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	hdr, _, err := rpmutils.Verify(f, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("verify: %w", err)
	}
	fis, err := hdr.GetFiles()
	if err != nil {
		return nil, nil, err
	}
	out := listing{}
	for _, fi := range fis {
		mode := fs.FileMode(fi.Mode()).Perm()
		if fi.Mode()&0o170000 == 0o040000 {
			mode |= fs.ModeDir
		}
		out[fi.Name()] = item{
			mode:      mode,
			owner:     fi.UserName() + ":" + fi.GroupName(),
			sum:       fi.Digest(),
			config:    fi.Flags()&rpmutils.RPMFILE_CONFIG != 0,
			noreplace: fi.Flags()&rpmutils.RPMFILE_NOREPLACE != 0,
		}
	}
	return hdr, out, nil
}

// listDir lists a directory tree the way readTar lists an archive, without
// owners (an extraction does not keep them for a non-root reader).
func listDir(root string) (listing, error) {
	out := listing{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		e := item{mode: info.Mode().Perm() | info.Mode()&fs.ModeDir}
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.sum = sha(b)
		} else if !info.IsDir() {
			return fmt.Errorf("%s: not a file or directory", p)
		}
		out["/"+filepath.ToSlash(rel)] = e
		return nil
	})
	return out, err
}
