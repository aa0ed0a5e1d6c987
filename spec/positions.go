package spec

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync"
)

// fieldPositions says where the written fields of a document are (in its Source
// file). A repository of 50,000 resources keeps them for the whole run (issue 18),
// and most documents of a large repository have the layout of many others (a fleet
// stamped from one template, stacks copied from one another): the same fields on
// the same lines counted from the document's start, in the same columns. So a
// document holds the line its layout counts from and a layout one load shares
// between all documents written alike.
type fieldPositions struct {
	layout *fieldLayout // nil when no field is written
	line   int32        // the line the layout's lines count from (the document's)
}

// fieldLayout is the written fields of a document in the order the loader met them,
// each line relative to the document's; shared by documents laid out alike.
type fieldLayout struct {
	fields []fieldPosition
}

// fieldPosition is one written field: its path, a string shared by the documents of
// one load (loader.strs), and where it is.
type fieldPosition struct {
	path      string
	line, col int32
}

// find returns the line and column of the field at path (the last entry, should a
// path be recorded twice).
func (fp fieldPositions) find(path string) (line, col int, ok bool) {
	if fp.layout == nil {
		return 0, 0, false
	}
	fields := fp.layout.fields
	for i := len(fields) - 1; i >= 0; i-- {
		if fields[i].path == path {
			return int(fp.line + fields[i].line), int(fields[i].col), true
		}
	}
	return 0, 0, false
}

// layouts holds the field layouts of one load, so documents laid out alike share
// one. The files of a load are read on every CPU, hence the lock (held for a map
// lookup per document).
type layouts struct {
	seed maphash.Seed
	mu   sync.Mutex
	byID map[uint64][]*fieldLayout // by hash of the fields
}

func newLayouts() *layouts {
	return &layouts{seed: maphash.MakeSeed(), byID: map[uint64][]*fieldLayout{}}
}

// positions returns the positions of fields, recorded at absolute lines, for a
// document whose lines count from line. fields is the walker's own list: its lines
// are rewritten in place. A nil l shares nothing.
func (l *layouts) positions(fields []fieldPosition, line int) fieldPositions {
	if len(fields) == 0 {
		return fieldPositions{}
	}
	base := int32(line)
	for i := range fields {
		fields[i].line -= base
	}
	if l == nil {
		return fieldPositions{layout: &fieldLayout{fields: slices.Clone(fields)}, line: base}
	}
	id := l.hash(fields)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, known := range l.byID[id] {
		if slices.Equal(known.fields, fields) {
			return fieldPositions{layout: known, line: base}
		}
	}
	fl := &fieldLayout{fields: slices.Clone(fields)}
	l.byID[id] = append(l.byID[id], fl)
	return fieldPositions{layout: fl, line: base}
}

// hash is the hash of a layout's fields (equal layouts, equal hashes).
func (l *layouts) hash(fields []fieldPosition) uint64 {
	var h maphash.Hash
	h.SetSeed(l.seed)
	var b [8]byte
	for _, f := range fields {
		h.WriteString(f.path)
		binary.LittleEndian.PutUint32(b[:4], uint32(f.line))
		binary.LittleEndian.PutUint32(b[4:], uint32(f.col))
		_, _ = h.Write(b[:])
	}
	return h.Sum64()
}
