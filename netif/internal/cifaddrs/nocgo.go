//go:build !cgo || !linux

package cifaddrs

// Available reports whether Get calls the C library.
const Available = false

// Get returns ErrUnavailable: this build has no cgo.
func Get() ([]Entry, error) { return nil, ErrUnavailable }

// GetAndFree returns ErrUnavailable: this build has no cgo.
func GetAndFree() error { return ErrUnavailable }
