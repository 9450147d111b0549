// Package reliability holds no code: its tests prove the library's
// reliability promises (SECURITY.md) across packages, for the parts that
// belong to no single package's test suite, such as fileio descriptor
// hygiene over many cycles and signal storms during blocking file reads.
package reliability
