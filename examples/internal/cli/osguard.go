package cli

// The examples stop, as the library does, at osguard's one error on a
// system posixkit does not support.
import _ "github.com/posixkit/posixkit/internal/osguard"
