package sock

// msgNoSignal is 0 on Darwin, which has no MSG_NOSIGNAL: every socket gets
// SO_NOSIGPIPE at creation instead.
const msgNoSignal = 0
