package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/kos-ops/kos_exporter/internal/safefile"
)

// Options adds checks that need packages config must not import.
type Options struct {
	// CheckDSN checks a target's DSN once expanded or read from its
	// dsn_file. Its error is reported at that key, after the target's name,
	// and must not contain the DSN.
	CheckDSN func(dsn Secret) error
}

// Load reads the config at path and completes what Parse leaves out: it
// expands ${VAR} in each dsn from the environment (or the file named by
// VAR_FILE) and reads each dsn_file.
// Every problem found is returned as Errors; messages never contain a DSN.
// The config file and each dsn_file must be regular files of at most
// MaxConfigSize and MaxDSNFileSize bytes.
func Load(path string) (*Config, error) {
	return LoadWith(path, Options{})
}

// LoadWith is Load with the checks in o added.
func LoadWith(path string, o Options) (*Config, error) {
	return load(path, o, os.LookupEnv, safefile.ReadRegular)
}

// Parse decodes and validates a collectors.yaml held in data; file names it
// in positions and anchors relative dsn_file paths. Parse does no I/O: DSNs
// keep their ${VAR} references and dsn_file is not read (Load does both).
// Every problem found is returned as Errors.
func Parse(data []byte, file string) (*Config, error) {
	p := &parser{file: file}
	cfg, _ := p.parse(data)
	if err := p.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parse builds as much of the config as it can; the raw config is returned
// too so that Load can point at the dsn keys. Both are nil when there is
// nothing to build from: no YAML, no mapping at the top, or too many nodes.
func (p *parser) parse(data []byte) (*Config, *rawConfig) {
	root := p.document(data)
	if root == nil {
		return nil, nil
	}
	raw := p.config(root)
	if raw == nil || p.exhausted() {
		return nil, nil
	}
	cfg := &Config{File: p.file, Global: p.applySchedule(raw.global, "global", Global{
		Interval:  DefaultInterval,
		Timeout:   DefaultTimeout,
		MaxSeries: DefaultMaxSeries,
	})}
	for _, t := range raw.targets {
		cfg.Targets = append(cfg.Targets, p.buildTarget(t))
	}
	p.buildCollectors(cfg, raw)
	return cfg, raw
}

// load is LoadWith with its environment and file system injected.
func load(path string, o Options, lookupEnv func(string) (string, bool), readFile func(path string, limit int64) ([]byte, error)) (*Config, error) {
	data, err := readFile(path, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	p := &parser{file: path}
	cfg, raw := p.parse(data)
	if cfg != nil {
		for i, t := range cfg.Targets {
			p.resolveDSN(t, raw.targets[i], o, lookupEnv, readFile)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (p *parser) resolveDSN(t *Target, rt *rawTarget, o Options, lookupEnv func(string) (string, bool), readFile func(string, int64) ([]byte, error)) {
	subject := fmt.Sprintf("target %q", t.Name)
	before := p.count
	line := rt.dsn.line
	if t.DSN != "" {
		dsn, problems, ok := expandEnv(string(t.DSN), func(name string) (string, error) {
			return lookupVar(name, lookupEnv, readFile)
		})
		for _, problem := range problems {
			p.errorf(rt.dsn.line, subject, "dsn: %v", problem)
		}
		switch {
		case !ok:
			p.errorf(rt.dsn.line, subject, "dsn: malformed variable reference, want ${NAME}")
		case len(problems) == 0 && strings.TrimSpace(dsn) == "":
			p.errorf(rt.dsn.line, subject, "dsn is empty after expanding environment variables")
		}
		t.DSN = Secret(dsn)
	}
	if t.DSNFile != "" {
		line = rt.dsnFile.line
		dsn, err := readSecret(t.DSNFile, readFile)
		switch {
		case err != nil:
			p.errorf(rt.dsnFile.line, subject, "dsn_file: %v", err)
		case dsn == "":
			p.errorf(rt.dsnFile.line, subject, "dsn_file %q is empty", t.DSNFile)
		default:
			t.DSN = Secret(dsn)
		}
	}
	if o.CheckDSN != nil && p.count == before && t.DSN != "" && (t.DSNFile == "") != (rt.dsn.line == 0) {
		if err := o.CheckDSN(t.DSN); err != nil {
			p.errorf(line, subject, "%v", err)
		}
	}
}

// expandEnv replaces each ${NAME} in s with lookup(NAME). It returns the
// lookup errors, and ok=false when a "${" does not start a well-formed
// reference. A lone "$" is kept: passwords may contain one.
func expandEnv(s string, lookup func(name string) (string, error)) (out string, problems []error, ok bool) {
	var b strings.Builder
	for {
		before, rest, found := strings.Cut(s, "${")
		b.WriteString(before)
		if !found {
			return b.String(), problems, true
		}
		name, after, closed := strings.Cut(rest, "}")
		if !closed || !isName(name, false) {
			return "", problems, false
		}
		value, err := lookup(name)
		if err != nil {
			problems = append(problems, err)
		}
		b.WriteString(value)
		s = after
	}
}

// lookupVar resolves ${NAME}: the environment variable NAME or, when it is
// not set, the content of the file named by NAME_FILE, trimmed (the _FILE
// convention of container images). A mounted Secret or a systemd credential
// then feeds the shipped collectors.yaml unchanged, and the DSN is in no
// environment. Errors name the variables and the file, never the value.
func lookupVar(name string, lookupEnv func(string) (string, bool), readFile func(string, int64) ([]byte, error)) (string, error) {
	fileVar := name + "_FILE"
	value, set := lookupEnv(name)
	path, fileSet := lookupEnv(fileVar)
	switch {
	case set && fileSet:
		return "", fmt.Errorf("environment variables %q and %q are both set: set one", name, fileVar)
	case set:
		return value, nil
	case !fileSet:
		return "", fmt.Errorf("environment variable %q is not set (nor %q)", name, fileVar)
	}
	value, err := readSecret(path, readFile)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: %w", fileVar, err)
	case value == "":
		return "", fmt.Errorf("%s: file %q is empty", fileVar, path)
	}
	return value, nil
}

// readSecret reads the file at path, capped at MaxDSNFileSize, as one value
// without surrounding white space (a trailing newline is not part of it).
func readSecret(path string, readFile func(string, int64) ([]byte, error)) (string, error) {
	data, err := readFile(path, MaxDSNFileSize)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}
