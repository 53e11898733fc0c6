// Package testutil builds API objects for the tests of several packages.
package testutil
