// Package diff compares desired and live resources field by field. It compares only
// what the spec declares, normalises values whose spelling carries no meaning, and
// classifies every change from the spec package's mutability table. It does no I/O.
package diff
