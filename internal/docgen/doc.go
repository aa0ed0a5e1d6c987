// Package docgen generates the parts of tkeops' documentation that must never
// disagree with the code: the spec language reference (docs/spec-reference.md)
// is written from the Go types of package spec, their doc comments, the
// mutability table (the provider's spec.Mutability) and the diff's own lists of fields it does
// not compare or leaves to other owners.
//
// The generator is run by the hidden command `tkeops docs spec-reference`; a
// test in this package fails when the committed reference is out of date.
package docgen
