package docgen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
)

// Comments are the doc comments of a Go package's named types and their struct
// fields, read from source because reflection cannot see them.
type Comments struct {
	types  map[string]string // type name → doc
	fields map[string]string // "Type.Field" → doc
}

// Type returns the doc comment of a named type, as one paragraph.
func (c Comments) Type(name string) string { return c.types[name] }

// Field returns the doc comment of a struct field, as one paragraph.
func (c Comments) Field(typeName, field string) string { return c.fields[typeName+"."+field] }

// ReadComments parses the non-test Go files at the root of fsys (a package
// directory) and collects the doc comments of its types and struct fields.
func ReadComments(fsys fs.FS) (Comments, error) {
	c := Comments{types: map[string]string{}, fields: map[string]string{}}
	names, err := fs.Glob(fsys, "*.go")
	if err != nil {
		return c, fmt.Errorf("list Go files: %w", err)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return c, fmt.Errorf("read %s: %w", name, err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return c, fmt.Errorf("parse %s: %w", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				c.types[ts.Name.Name] = paragraph(doc)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fld := range st.Fields.List {
					text := paragraph(fld.Doc)
					if text == "" {
						text = paragraph(fld.Comment)
					}
					for _, n := range fld.Names {
						c.fields[ts.Name.Name+"."+n.Name] = text
					}
				}
			}
		}
	}
	return c, nil
}

// paragraph joins a comment group into one line of text.
func paragraph(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}
