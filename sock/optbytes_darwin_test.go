package sock_test

import "golang.org/x/sys/unix"

// Darwin's SO_LINGER counts ticks; Linger reads SO_LINGER_SEC.
const soLinger = unix.SO_LINGER_SEC
