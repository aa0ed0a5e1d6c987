package deploy

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dockerfile is what the tests read from ../Dockerfile.
type dockerfile struct {
	args       map[string]string // ARG defaults, last one wins
	buildRun   string            // the RUN command that runs `go build`
	finalFrom  string
	user       string
	entrypoint string
	finalCopy  []string // COPY lines of the final stage
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := dockerfile{args: map[string]string{}}
	// Join continuation lines, drop comments.
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		if s := strings.TrimSpace(cur.String()); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "ARG":
			name, def, _ := strings.Cut(rest, "=")
			df.args[name] = def
		case "RUN":
			if strings.Contains(rest, "go build") {
				if df.buildRun != "" {
					t.Fatal("Dockerfile has more than one RUN with go build; the test needs exactly one")
				}
				df.buildRun = rest
			}
		case "FROM":
			df.finalFrom = rest
			df.user, df.entrypoint, df.finalCopy = "", "", nil
		case "COPY":
			df.finalCopy = append(df.finalCopy, rest)
		case "USER":
			df.user = rest
		case "ENTRYPOINT":
			df.entrypoint = rest
		}
	}
	if df.buildRun == "" {
		t.Fatal("Dockerfile has no RUN line with go build")
	}
	return df
}

// TestDockerfileRuntimeStage checks the final image stage: minimal base with CA
// certificates, numeric non-root user, and `tkeops serve` as the entrypoint.
func TestDockerfileRuntimeStage(t *testing.T) {
	df := readDockerfile(t)
	if !strings.HasPrefix(df.finalFrom, "gcr.io/distroless/static") || !strings.Contains(df.finalFrom, "nonroot") {
		t.Errorf("final stage FROM %q: want gcr.io/distroless/static…:nonroot (CA certificates, no shell, no libc)", df.finalFrom)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(df.user) {
		t.Errorf("final stage USER %q: want a numeric non-root uid so runAsNonRoot can be verified", df.user)
	}
	// tkeops serve's default dataDir must be writable by that user without a volume.
	uid, _, _ := strings.Cut(df.user, ":")
	if !slices.ContainsFunc(df.finalCopy, func(c string) bool {
		return strings.Contains(c, "--chown="+uid) && strings.HasSuffix(c, " /var/lib/tkeops")
	}) {
		t.Errorf("final stage does not create /var/lib/tkeops owned by uid %s (COPY --chown=%s … /var/lib/tkeops)", uid, uid)
	}
	var ep []string
	if err := json.Unmarshal([]byte(df.entrypoint), &ep); err != nil {
		t.Fatalf("ENTRYPOINT %q is not exec form: %v", df.entrypoint, err)
	}
	if len(ep) != 2 || path.Base(ep[0]) != "tkeops" || ep[1] != "serve" {
		t.Errorf("ENTRYPOINT %q: want [\".../tkeops\", \"serve\"]", df.entrypoint)
	}
}

// TestDockerfileBuildIsStatic runs the Dockerfile's own build command, in a copy
// of the build context filtered by .dockerignore, and checks that the output is
// a static ELF executable carrying the version passed as a build argument.
func TestDockerfileBuildIsStatic(t *testing.T) {
	df := readDockerfile(t)
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-s -w", "-X main.version=${VERSION}"} {
		if !strings.Contains(df.buildRun, want) {
			t.Errorf("build RUN line lacks %q: %s", want, df.buildRun)
		}
	}
	const testVersion = "v0.0.0-imagetest"
	args := map[string]string{}
	for k, v := range df.args {
		args[k] = v
	}
	args["VERSION"] = testVersion
	// The host builds for itself; the ELF checks below do not depend on the arch.
	args["TARGETOS"] = "linux"
	args["TARGETARCH"] = goEnv(t, "GOARCH")
	cmdline := os.Expand(df.buildRun, func(k string) string {
		v, ok := args[k]
		if !ok {
			t.Fatalf("build RUN line uses ${%s}, which no ARG declares", k)
		}
		return v
	})
	m := regexp.MustCompile(`-o\s+(\S+)`).FindStringSubmatch(cmdline)
	if m == nil {
		t.Fatalf("build RUN line has no -o: %s", cmdline)
	}
	ctxDir := t.TempDir()
	copyContext(t, "..", ctxDir)
	out := filepath.Join(t.TempDir(), "tkeops")
	cmdline = strings.Replace(cmdline, m[0], "-o "+out, 1)

	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Dir = ctxDir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmdline, err, b)
	}

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Error("binary has PT_INTERP: it needs a dynamic loader, which distroless/static lacks")
		case elf.PT_DYNAMIC:
			t.Error("binary has a PT_DYNAMIC segment: it is dynamically linked")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("binary imports libraries %v (err %v)", libs, err)
	}
	if s := f.Section(".symtab"); s != nil {
		t.Error("binary has a symbol table: -s was not applied")
	}

	var v struct{ Version string }
	b, err := exec.Command(out, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("tkeops version: %v", err)
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Version != testVersion {
		t.Errorf("tkeops version = %q (err %v), want %q from -X main.version", v.Version, err, testVersion)
	}
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	b, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// copyContext copies the build context: every file under src that .dockerignore
// does not exclude. The patterns used there are path.Match patterns relative to
// the context root, "**/" standing for any number of leading directories; a
// pattern matching a directory excludes everything below it.
func copyContext(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(src, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "!") {
			t.Fatalf(".dockerignore: exceptions (%q) are not supported by this test; keep the file to plain exclusions", l)
		}
		patterns = append(patterns, strings.TrimPrefix(l, "/"))
	}
	ignored := func(rel string) bool {
		for _, p := range patterns {
			if ok, _ := path.Match(p, rel); ok {
				return true
			}
			if rest, ok := strings.CutPrefix(p, "**/"); ok {
				parts := strings.Split(rel, "/")
				for i := range parts {
					if ok, _ := path.Match(rest, strings.Join(parts[i:], "/")); ok {
						return true
					}
				}
			}
		}
		return false
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if ignored(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(p, target)
	})
	if err != nil {
		t.Fatalf("copy build context: %v", err)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// TestMakefileBuildMatchesDockerfile: `make build` and the image must build the
// same binary. Every flag of the Makefile's GOFLAGS_BUILD and LDFLAGS must be
// on the Dockerfile's build line (with $(VERSION) as ${VERSION}).
func TestMakefileBuildMatchesDockerfile(t *testing.T) {
	df := readDockerfile(t)
	b, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := regexp.MustCompile(`^(GOFLAGS_BUILD|LDFLAGS)\s*:?=\s*(.*)$`).FindStringSubmatch(line); m != nil {
			vars[m[1]] = strings.TrimSpace(m[2])
		}
	}
	if len(vars) != 2 {
		t.Fatalf("Makefile: want GOFLAGS_BUILD and LDFLAGS, found %v", vars)
	}
	for _, flag := range strings.Fields(vars["GOFLAGS_BUILD"]) {
		if !strings.Contains(df.buildRun, flag) {
			t.Errorf("Makefile GOFLAGS_BUILD has %s; the Dockerfile build line does not", flag)
		}
	}
	ld := strings.ReplaceAll(vars["LDFLAGS"], "$(VERSION)", "${VERSION}")
	if !strings.Contains(df.buildRun, `-ldflags "`+ld+`"`) {
		t.Errorf("Makefile LDFLAGS %q differ from the Dockerfile's -ldflags: %s", ld, df.buildRun)
	}
	if !strings.Contains(string(b), "CGO_ENABLED=0") {
		t.Error("Makefile build is not CGO_ENABLED=0 like the image")
	}
}
