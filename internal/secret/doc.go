// Package secret holds the credential type the cloud provider, the forge clients and
// the git source share: a string that never prints.
package secret
