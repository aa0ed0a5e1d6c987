package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yamlv3 "gopkg.in/yaml.v3"
)

// Limits that keep hostile or mistaken input from exhausting memory. A real spec
// file is a few kilobytes; these leave room for generous repositories.
const (
	// MaxFileBytes is the largest spec file the loader reads.
	MaxFileBytes = 4 << 20
	// maxDocNodes bounds the YAML nodes one document may expand to, aliases
	// included, so an alias bomb is refused instead of expanded.
	maxDocNodes = 100_000
	// maxFiles bounds the number of spec files in one tree.
	maxFiles = 10_000
	// IgnoreFile lists paths the loader skips, one pattern a line, like a small
	// .gitignore: a file in any directory applies to the tree below it; patterns use
	// path.Match syntax and match paths relative to that directory, or, without a
	// '/', any base name below it; a trailing "/" matches directories only; '#'
	// starts a comment.
	IgnoreFile = ".tkeopsignore"
)

// LoadDir loads, defaults and validates every *.yaml and *.yml file under dir.
// File names in diagnostics are dir joined with the path inside it, as a user would
// type them. The Set is never nil, even when there are errors.
func LoadDir(dir string) (*Set, Diagnostics) {
	return load(os.DirFS(dir), ".", filepath.ToSlash(filepath.Clean(dir)))
}

// Load is LoadDir over an fs.FS (a git tree, a test's fstest.MapFS). root is a
// directory in fsys ("." for all of it); file names in diagnostics are paths in fsys.
func Load(fsys fs.FS, root string) (*Set, Diagnostics) {
	return load(fsys, root, "")
}

// load reads the tree at root in fsys. display, when set, replaces root in the file
// names shown to people.
func load(fsys fs.FS, root, display string) (*Set, Diagnostics) {
	root = path.Clean(root)
	l := &loader{fsys: fsys, broken: map[Addr]bool{}, root: root, display: display, layouts: newLayouts()}
	set := &Set{Root: root}
	if display != "" {
		set.Root = display
	}
	files, err := l.findFiles(root)
	if err != nil {
		l.errorf(Pos{File: displayName(root, root, display)}, "", "cannot read spec directory: %v", err)
		return set, l.diags
	}
	for _, r := range l.loadFiles(files) {
		set.Resources = append(set.Resources, r...)
	}
	set.index(&l.diags)
	for _, r := range set.Resources {
		Default(r)
	}
	for _, r := range set.Resources {
		if info, ok := infoOf(r); ok && info.derive != nil {
			info.derive(r, set)
		}
	}
	l.diags = append(l.diags, validateSet(set, fsys, l.broken)...)
	sortDiagnostics(l.diags)
	return set, l.diags
}

// loadFiles decodes the files on every CPU, each file by a loader of its own, and
// returns their resources in file order; the diagnostics and dropped documents are
// gathered into l. (Reading and decoding are most of a large repository's load.)
func (l *loader) loadFiles(files []string) [][]Resource {
	type result struct {
		rs     []Resource
		diags  Diagnostics
		broken map[Addr]bool
	}
	results := make([]result, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			strs := stringTable{} // one table per worker: no lock
			for i := range next {
				fl := &loader{fsys: l.fsys, root: l.root, display: l.display, broken: map[Addr]bool{}, strs: strs, layouts: l.layouts}
				rs := fl.loadFile(files[i], displayName(l.root, files[i], l.display))
				results[i] = result{rs: rs, diags: fl.diags, broken: fl.broken}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	out := make([][]Resource, len(files))
	for i, r := range results {
		out[i] = r.rs
		l.diags = append(l.diags, r.diags...)
		for a := range r.broken {
			l.broken[a] = true
		}
	}
	return out
}

// displayName turns a path in the fs into the name shown to people.
func displayName(root, p, display string) string {
	if display == "" {
		return p
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	if root == "." {
		rel = p
	}
	if rel == "" || rel == "." {
		return display
	}
	if display == "." {
		return rel
	}
	return display + "/" + rel
}

type loader struct {
	fsys fs.FS
	// root is the directory loaded; display, when set, replaces it in file names.
	root, display string
	diags         Diagnostics
	// broken holds the addresses of documents that were reported and dropped, so
	// references to them are not reported again as dangling.
	broken map[Addr]bool
	// strs are the strings of the documents read so far, their field paths and
	// values, so that documents share one copy of each (stringTable); nil shares none.
	strs stringTable
	// layouts are the load's field layouts (fieldPositions); nil shares none.
	layouts *layouts
}

func (l *loader) errorf(pos Pos, fieldPath, format string, args ...any) {
	l.diags = append(l.diags, Diagnostic{Severity: SeverityError, Pos: pos, Path: fieldPath, Summary: fmt.Sprintf(format, args...)})
}

// Files lists the spec files under root in fsys, as Load would read them: lexical
// order, hidden files and directories and what ignore files name left out.
func Files(fsys fs.FS, root string) ([]string, error) {
	l := &loader{fsys: fsys, root: root}
	return l.findFiles(root)
}

// findFiles lists the spec files under root in lexical order, skipping hidden
// files and directories and what ignore files name.
func (l *loader) findFiles(root string) ([]string, error) {
	fi, err := fs.Stat(l.fsys, root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", root)
	}
	ignores := map[string][]string{} // directory → its ignore patterns
	isIgnored := func(p string, isDir bool) bool {
		for dir := path.Dir(p); ; dir = path.Dir(dir) {
			rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
			if dir == "." {
				rel = p
			}
			if ignored(ignores[dir], rel, isDir) {
				return true
			}
			if dir == root || dir == "." || dir == "/" {
				return false
			}
		}
	}
	var files []string
	err = fs.WalkDir(l.fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && (strings.HasPrefix(d.Name(), ".") || isIgnored(p, d.IsDir())) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			ignores[p] = l.readIgnore(p)
			return nil
		}
		if ext := path.Ext(p); ext == ".yaml" || ext == ".yml" {
			// Only regular files are read: opening a named pipe, a socket or a device
			// could block forever or read without end. Symbolic links are followed.
			fi, err := fs.Stat(l.fsys, p)
			if err != nil {
				return err
			}
			if !fi.Mode().IsRegular() {
				l.errorf(Pos{File: displayName(l.root, p, l.display)}, "", "not a regular file (%s): tkeops reads spec files only; remove it, or list it in %s", fileType(fi.Mode()), IgnoreFile)
				return nil
			}
			if len(files) == maxFiles {
				return fmt.Errorf("more than %d spec files", maxFiles)
			}
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// fileType names what a non-regular file is, for people.
func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}

func (l *loader) readIgnore(dir string) []string {
	data, err := fs.ReadFile(l.fsys, path.Join(dir, IgnoreFile))
	if err != nil {
		return nil
	}
	var pats []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pats = append(pats, strings.TrimPrefix(line, "/"))
	}
	return pats
}

func ignored(pats []string, rel string, isDir bool) bool {
	for _, p := range pats {
		dirOnly := strings.HasSuffix(p, "/")
		p = strings.TrimSuffix(p, "/")
		if dirOnly && !isDir {
			continue
		}
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if !strings.Contains(p, "/") {
			if ok, _ := path.Match(p, path.Base(rel)); ok {
				return true
			}
		}
	}
	return false
}

// loadFile reads one file and decodes every document in it.
func (l *loader) loadFile(p, name string) []Resource {
	filePos := Pos{File: name}
	f, err := l.fsys.Open(p)
	if err != nil {
		l.errorf(filePos, "", "cannot read file: %v", err)
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		l.errorf(filePos, "", "cannot read file: %v", err)
		return nil
	}
	if len(data) > MaxFileBytes {
		l.errorf(filePos, "", "file is larger than %d MiB; split it into several files", MaxFileBytes>>20)
		return nil
	}
	data, ok := l.normalizeText(data, filePos)
	if !ok {
		return nil
	}
	var out []Resource
	for _, doc := range splitDocuments(data) {
		if r := l.loadDocument(doc, name, p); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// normalizeText strips a UTF-8 byte order mark and turns CRLF line ends into LF,
// and refuses encodings YAML tools here do not read.
func (l *loader) normalizeText(data []byte, pos Pos) ([]byte, bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		l.errorf(pos, "", "file is UTF-16 encoded; save it as UTF-8")
		return nil, false
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		l.errorf(Pos{File: pos.File, Line: line}, "", "file is not valid UTF-8; save it as UTF-8")
		return nil, false
	}
	if bytes.IndexByte(data, 0) >= 0 {
		l.errorf(pos, "", "file contains NUL bytes; it is not a YAML text file")
		return nil, false
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	return data, true
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// document is one YAML document of a file: its text and the line it starts on.
type document struct {
	text      []byte
	firstLine int // 1-based line of text[0] in the file
}

// splitDocuments cuts a stream at its document markers. A line starting with
// "---" or "..." followed by a blank or the line end is always a marker in YAML (block
// scalars cannot contain one at column 0), so cutting by lines is exact. The marker
// itself is blanked and kept as the first line of the next document, so content
// after "--- " keeps its line and column. data is modified.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine, line := 0, 1, 1
	for i := 0; i < len(data); line++ {
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += i
		}
		if text := data[i:end]; isMarker(text, "---") || isMarker(text, "...") {
			docs = append(docs, document{text: data[start:i], firstLine: startLine})
			copy(data[i:i+3], "   ")
			start, startLine = i, line
		}
		i = end + 1
	}
	docs = append(docs, document{text: data[start:], firstLine: startLine})
	return docs
}

func isMarker(line []byte, m string) bool {
	if !bytes.HasPrefix(line, []byte(m)) {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t'
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// loadDocument decodes one document into its kind's Go type and records where
// every field is written. It returns nil for empty documents and on errors.
func (l *loader) loadDocument(doc document, file, fsFile string) Resource {
	if len(bytes.TrimSpace(doc.text)) == 0 {
		return nil
	}
	docPos := Pos{File: file, Line: doc.firstLine, Col: 1}
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(doc.text, &root); err != nil {
		l.yamlError(err, file, doc.firstLine, docPos)
		return nil
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil // comments only
	}
	top := root.Content[0]
	w := &walker{file: file, lineOffset: doc.firstLine - 1, strs: l.strs}
	if top.Kind == yamlv3.ScalarNode && top.Tag == "!!null" {
		return nil
	}
	if top.Kind != yamlv3.MappingNode {
		l.errorf(w.pos(top), "", "a document must be a mapping with apiVersion, kind, metadata and spec, not %s", nodeKindName(top))
		return nil
	}
	docPos = w.pos(top)
	kind, headerOK := l.header(w, top, docPos)
	if kind == "" {
		return nil
	}
	r := newResource(kind)
	w.walk(top, reflect.TypeOf(r).Elem(), "", docPos)
	if len(w.diags) > 0 || !headerOK {
		if name := documentName(top); name != "" {
			a := Addr{Kind: kind, Name: name}
			l.broken[a] = true
			for i := range w.diags {
				w.diags[i].Addr = a
			}
		}
		l.diags = append(l.diags, w.diags...)
		return nil
	}
	if err := decode(top, doc.text, r, w.freeForm); err != nil {
		// The walk above checks what this decode checks; reaching here means the two
		// YAML libraries disagree about a value. Say so rather than lose it.
		l.errorf(docPos, "", "cannot decode document: %v", err)
		return nil
	}
	l.strs.internValues(reflect.ValueOf(r))
	o := r.(interface{ object() *Object }).object()
	o.Source = docPos
	o.fields = l.layouts.positions(w.positions, docPos.Line)
	o.fsFile = fsFile
	return r
}

// header checks apiVersion and kind, which decide how the rest is read.
func (l *loader) header(w *walker, top *yamlv3.Node, docPos Pos) (Kind, bool) {
	var apiVersion, kind *yamlv3.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		switch top.Content[i].Value {
		case "apiVersion":
			apiVersion = top.Content[i+1]
		case "kind":
			kind = top.Content[i+1]
		}
	}
	ok := true
	switch {
	case apiVersion == nil:
		l.errorf(docPos, "apiVersion", "missing required field \"apiVersion\" (want %s)", APIVersion)
		ok = false
	case apiVersion.Kind != yamlv3.ScalarNode || apiVersion.Value != APIVersion:
		l.errorf(w.pos(apiVersion), "apiVersion", "unsupported apiVersion %q; want %s", scalarText(apiVersion), APIVersion)
		ok = false
	}
	if kind == nil {
		l.errorf(docPos, "kind", "missing required field \"kind\" (want one of %s)", kindList())
		return "", false
	}
	k := Kind(scalarText(kind))
	if kind.Kind != yamlv3.ScalarNode || newResource(k) == nil {
		hint := ""
		for _, known := range Kinds() {
			if strings.EqualFold(string(known), string(k)) {
				hint = fmt.Sprintf(" (did you mean %s?)", known)
			}
		}
		l.errorf(w.pos(kind), "kind", "unknown kind %q%s; want one of %s", scalarText(kind), hint, kindList())
		return "", false
	}
	return k, ok
}

// documentName returns metadata.name of a document node, or "".
func documentName(top *yamlv3.Node) string {
	if md := valueOf(top, "metadata"); md != nil && md.Kind == yamlv3.MappingNode {
		if n := valueOf(md, "name"); n != nil && n.Kind == yamlv3.ScalarNode {
			return n.Value
		}
	}
	return ""
}

func kindList() string {
	kinds := Kinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func scalarText(n *yamlv3.Node) string {
	if n.Kind == yamlv3.ScalarNode {
		return n.Value
	}
	return nodeKindName(n)
}

// yamlError turns a YAML library error into diagnostics with file positions.
func (l *loader) yamlError(err error, file string, firstLine int, docPos Pos) {
	var te *yamlv3.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		m = strings.TrimSpace(m)
		if g := yamlLineRE.FindStringSubmatch(m); g != nil {
			n, _ := strconv.Atoi(g[1])
			l.errorf(Pos{File: file, Line: n + firstLine - 1}, "", "invalid YAML: %s", g[2])
			continue
		}
		l.errorf(docPos, "", "invalid YAML: %s", strings.TrimPrefix(m, "yaml: "))
	}
}

// sortDiagnostics orders diagnostics by file, line and column, keeping the order
// of those at the same place.
func sortDiagnostics(ds Diagnostics) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
