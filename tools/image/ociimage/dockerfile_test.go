package ociimage

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The Dockerfile is read with a small parser for the instructions it uses;
// any other instruction in the final stage fails the test, so a new one
// cannot slip past the comparison.

type instruction struct {
	line  int
	cmd   string            // upper case
	flags map[string]string // --from=build → from: build
	args  string
}

type stage struct {
	from, name string
	ins        []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continuation lines and dropping comments.
func parseDockerfile(text string) ([]stage, error) {
	var stages []stage
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") {
				next = `\`
			}
			line = strings.TrimSuffix(line, `\`) + " " + next
		}
		line = strings.TrimSpace(strings.TrimSuffix(line, `\`))
		cmd, rest, _ := strings.Cut(line, " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), flags: map[string]string{}}
		rest = strings.TrimSpace(rest)
		for strings.HasPrefix(rest, "--") {
			var flag string
			flag, rest, _ = strings.Cut(rest, " ")
			k, v, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
			in.flags[k] = v
			rest = strings.TrimSpace(rest)
		}
		in.args = rest
		if in.cmd == "FROM" {
			f := strings.Fields(rest)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			} else if len(f) != 1 {
				return nil, fmt.Errorf("line %d: FROM %q", start, rest)
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			return nil, fmt.Errorf("line %d: %s before FROM", start, in.cmd)
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("no FROM")
	}
	return stages, nil
}

// pairs splits `k1="v 1" k2=v2` into keys and unquoted values.
func pairs(s string) ([][2]string, error) {
	var out [][2]string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		k, rest, ok := strings.Cut(s, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t\"") {
			return nil, fmt.Errorf("want key=value at %q", s)
		}
		var v string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote at %q", s)
			}
			v, s = rest[1:end+1], rest[end+2:]
		} else {
			v, s, _ = strings.Cut(rest, " ")
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// dockerImage is what the final stage of a Dockerfile makes.
type dockerImage struct {
	base   string
	config v1.Config
	files  []Entry
	copies []instruction
}

// finalImage evaluates the last stage with build arguments: ARG values from
// args, else the ARG default; a reference to an undeclared ARG is an error
// (Docker would silently make it empty).
func finalImage(stages []stage, args map[string]string) (dockerImage, error) {
	s := stages[len(stages)-1]
	img := dockerImage{base: s.from}
	declared := map[string]string{}
	expand := func(in instruction, v string) (string, error) {
		var err error
		out := argRef.ReplaceAllStringFunc(v, func(ref string) string {
			n := argRef.FindStringSubmatch(ref)[1]
			val, ok := declared[n]
			if !ok {
				err = fmt.Errorf("line %d: $%s is not an ARG of the stage", in.line, n)
			}
			return val
		})
		return out, err
	}
	execForm := func(in instruction) ([]string, error) {
		var v []string
		if err := json.Unmarshal([]byte(in.args), &v); err != nil {
			return nil, fmt.Errorf("line %d: %s needs the JSON form (scratch has no shell): %w", in.line, in.cmd, err)
		}
		return v, nil
	}
	for _, in := range s.ins {
		var err error
		switch in.cmd {
		case "ARG":
			n, def, _ := strings.Cut(in.args, "=")
			declared[n] = def
			if v, ok := args[n]; ok {
				declared[n] = v
			}
		case "COPY":
			f := strings.Fields(in.args)
			if len(f) != 2 {
				return img, fmt.Errorf("line %d: COPY wants one source and one destination", in.line)
			}
			mode, perr := strconv.ParseUint(in.flags["chmod"], 8, 32)
			if perr != nil {
				return img, fmt.Errorf("line %d: COPY --chmod %q: %w", in.line, in.flags["chmod"], perr)
			}
			img.files = append(img.files, Entry{f[1], os.FileMode(mode)})
			img.copies = append(img.copies, in)
		case "ENV", "LABEL":
			var ps [][2]string
			if ps, err = pairs(in.args); err != nil {
				return img, fmt.Errorf("line %d: %w", in.line, err)
			}
			for _, p := range ps {
				v, err := expand(in, p[1])
				if err != nil {
					return img, err
				}
				if in.cmd == "ENV" {
					img.config.Env = append(img.config.Env, p[0]+"="+v)
					continue
				}
				if img.config.Labels == nil {
					img.config.Labels = map[string]string{}
				}
				img.config.Labels[p[0]] = v
			}
		case "USER":
			img.config.User = in.args
		case "WORKDIR":
			img.config.WorkingDir = in.args
		case "EXPOSE":
			if img.config.ExposedPorts == nil {
				img.config.ExposedPorts = map[string]struct{}{}
			}
			for _, p := range strings.Fields(in.args) {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				img.config.ExposedPorts[p] = struct{}{}
			}
		case "ENTRYPOINT":
			img.config.Entrypoint, err = execForm(in)
		case "CMD":
			img.config.Cmd, err = execForm(in)
		default:
			return img, fmt.Errorf("line %d: %s is not compared with the Go builder; teach this test", in.line, in.cmd)
		}
		if err != nil {
			return img, err
		}
	}
	return img, nil
}

func TestParseDockerfile(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		args       map[string]string
		want       v1.Config
		wantErr    string
	}{
		{
			name: "continuations, comments, quotes, args",
			text: "# c\nFROM golang AS build\nRUN a \\\n  b\nFROM scratch\nARG V=dev\nARG R\n" +
				"LABEL a=\"x y\" \\\n# inside\n      b=\"${V}\" c=$R d=plain\nEXPOSE 1 2/udp\nENTRYPOINT [\"/x\"]\n",
			args: map[string]string{"R": "r1"},
			want: v1.Config{
				Labels:       map[string]string{"a": "x y", "b": "dev", "c": "r1", "d": "plain"},
				ExposedPorts: map[string]struct{}{"1/tcp": {}, "2/udp": {}},
				Entrypoint:   []string{"/x"},
			},
		},
		{name: "undeclared arg", text: "FROM scratch\nLABEL a=${V}\n", wantErr: "line 2: $V is not an ARG of the stage"},
		{name: "shell form", text: "FROM scratch\nCMD run it\n", wantErr: "line 2: CMD needs the JSON form"},
		{name: "unknown instruction", text: "FROM scratch\nHEALTHCHECK NONE\n", wantErr: "line 2: HEALTHCHECK is not compared"},
		{name: "no chmod", text: "FROM scratch\nCOPY a /a\n", wantErr: `line 2: COPY --chmod ""`},
		{name: "bad label", text: "FROM scratch\nLABEL a=\"b\n", wantErr: "unterminated quote"},
		{name: "no from", text: "USER 1\n", wantErr: "line 1: USER before FROM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stages, err := parseDockerfile(tc.text)
			var img dockerImage
			if err == nil {
				img, err = finalImage(stages, tc.args)
			}
			if wantError(t, err, tc.wantErr) {
				return
			}
			if !reflect.DeepEqual(img.config, tc.want) {
				t.Fatalf("config\n%+v\nwant\n%+v", img.config, tc.want)
			}
		})
	}
}

// TestDockerfileMatchesBuilder keeps the repository's Dockerfile and the Go
// builder equal: the same base, run configuration and labels for the same
// version, revision and time, and the same files with the same modes, each
// copied from the build stage's rootfs that tools/image --rootfs writes.
func TestDockerfileMatchesBuilder(t *testing.T) {
	text, err := os.ReadFile("../../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := parseDockerfile(string(text))
	if err != nil {
		t.Fatal(err)
	}
	m := testMeta("0123456789abcdef0123456789abcdef01234567")
	img, err := finalImage(stages, map[string]string{
		"VERSION":  m.Version,
		"REVISION": m.Revision,
		"CREATED":  Labels(m)["org.opencontainers.image.created"],
	})
	if err != nil {
		t.Fatal(err)
	}
	if img.base != "scratch" {
		t.Errorf("final stage FROM %s, want scratch", img.base)
	}
	if want := Config(m); !reflect.DeepEqual(img.config, want) {
		got, _ := json.MarshalIndent(img.config, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("Dockerfile config\n%s\nGo builder\n%s", got, wantJSON)
	}
	if want := Entries(); !slices.Equal(img.files, want) {
		t.Errorf("Dockerfile files %v\nGo builder %v", img.files, want)
	}

	// Each file comes from the stage that lays out the Go builder's files.
	builders := map[string]bool{}
	for _, s := range stages[:len(stages)-1] {
		for _, in := range s.ins {
			if in.cmd == "RUN" && strings.Contains(in.args, "go -C tools/image run . --rootfs /rootfs ") {
				builders[s.name] = true
			}
		}
	}
	for _, c := range img.copies {
		src, dst, _ := strings.Cut(c.args, " ")
		if !builders[c.flags["from"]] || src != "/rootfs"+dst {
			t.Errorf("line %d: COPY --from=%s %s: want the copy of /rootfs%s from the stage running tools/image --rootfs", c.line, c.flags["from"], src, dst)
		}
	}
}
