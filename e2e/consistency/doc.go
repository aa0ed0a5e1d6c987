// Package consistency holds the plan/apply consistency harness (issue 11): a corpus
// of edit scenarios run against the in-process emulator with the real provider.
// For each, a base stack is applied, one edit is made (to the specs, or to the cloud
// behind tkeops' back), and then either
//
//   - the plan's steps and the write calls they name equal the write calls the
//     emulator records while the plan is applied, apply succeeds, and the next plan
//     is empty; or
//   - the plan refuses the change up front (blocked steps or errors) and applying it
//     makes no write call at all.
//
// A scenario whose plan is empty fails: an edit tkeops says nothing about is the
// silence the harness exists to catch. The outcome table is kept in docs/plans.md
// (go test ./e2e/consistency -update rewrites it).
package consistency
