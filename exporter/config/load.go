package config

import (
	"fmt"
	"os"
	"strings"
)

// Load reads the config at path and completes what Parse leaves out: it
// expands ${VAR} in each dsn from the environment and reads each dsn_file.
// Every problem found is returned as Errors; messages never contain a DSN.
func Load(path string) (*Config, error) {
	return load(path, os.LookupEnv, os.ReadFile)
}

// load is Load with its environment and file system injected.
func load(path string, lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error)) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	p := &parser{file: path}
	cfg, raw := p.parse(data)
	if cfg != nil {
		for i, t := range cfg.Targets {
			p.resolveDSN(t, raw.targets[i], lookupEnv, readFile)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (p *parser) resolveDSN(t *Target, rt *rawTarget, lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error)) {
	subject := fmt.Sprintf("target %q", t.Name)
	if t.DSN != "" {
		dsn, unset, ok := expandEnv(string(t.DSN), lookupEnv)
		for _, name := range unset {
			p.errorf(rt.dsn.line, subject, "dsn: environment variable %q is not set", name)
		}
		switch {
		case !ok:
			p.errorf(rt.dsn.line, subject, "dsn: malformed variable reference, want ${NAME}")
		case len(unset) == 0 && strings.TrimSpace(dsn) == "":
			p.errorf(rt.dsn.line, subject, "dsn is empty after expanding environment variables")
		}
		t.DSN = Secret(dsn)
	}
	if t.DSNFile != "" {
		data, err := readFile(t.DSNFile)
		dsn := strings.TrimSpace(string(data))
		switch {
		case err != nil:
			p.errorf(rt.dsnFile.line, subject, "dsn_file: %v", err)
		case dsn == "":
			p.errorf(rt.dsnFile.line, subject, "dsn_file %q is empty", t.DSNFile)
		default:
			t.DSN = Secret(dsn)
		}
	}
}

// expandEnv replaces each ${NAME} in s with its value. It returns the names
// that are not set, and ok=false when a "${" does not start a well-formed
// reference. A lone "$" is kept: passwords may contain one.
func expandEnv(s string, lookupEnv func(string) (string, bool)) (out string, unset []string, ok bool) {
	var b strings.Builder
	for {
		before, rest, found := strings.Cut(s, "${")
		b.WriteString(before)
		if !found {
			return b.String(), unset, true
		}
		name, after, closed := strings.Cut(rest, "}")
		if !closed || !isName(name, false) {
			return "", unset, false
		}
		value, set := lookupEnv(name)
		if !set {
			unset = append(unset, name)
		}
		b.WriteString(value)
		s = after
	}
}
