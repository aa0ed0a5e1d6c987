// Package render turns plans into text for people (terraform-like, optionally in
// colour), Markdown for pull-request comments, and the versioned JSON value for
// machines. It reads plans; the plan package never imports it.
package render
