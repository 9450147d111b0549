package iovec

// A build for a system posixkit does not support stops at osguard's one
// error, not here.
import _ "github.com/posixkit/posixkit/internal/osguard"
