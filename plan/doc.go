// Package plan holds the plan as a plain value: what tkeops will do, in which order
// and why. It executes nothing and renders nothing; reconcile builds and executes
// plans, plan/render turns them into text, Markdown and JSON.
package plan
