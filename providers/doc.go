// Package providers is the seam between the reconciler and the outside world.
// The reconciler knows resources only through Client; which cloud answers never shows.
// Implementations live in subpackages (tencentcloud, kubernetes).
package providers
