package sock

import "golang.org/x/sys/unix"

// msgNoSignal is 0 on Darwin, which has no MSG_NOSIGNAL: every socket gets
// SO_NOSIGPIPE at creation instead.
const msgNoSignal = 0

// soLinger is SO_LINGER_SEC: Darwin's SO_LINGER counts clock ticks, its
// SO_LINGER_SEC seconds, as SO_LINGER does elsewhere.
const soLinger = unix.SO_LINGER_SEC
