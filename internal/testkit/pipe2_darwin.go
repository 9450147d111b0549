package testkit

import "golang.org/x/sys/unix"

// Pipe2 stands in for pipe2(2), which Darwin lacks: pipe(2), then
// O_CLOEXEC and O_NONBLOCK from flags set with fcntl(2) (not atomic, which
// a test does not mind). The caller owns both descriptors.
func Pipe2(p []int, flags int) error {
	if err := unix.Pipe(p); err != nil {
		return err
	}
	for _, fd := range p[:2] {
		if flags&unix.O_CLOEXEC != 0 {
			unix.CloseOnExec(fd)
		}
		if flags&unix.O_NONBLOCK != 0 {
			if err := unix.SetNonblock(fd, true); err != nil {
				unix.Close(p[0])
				unix.Close(p[1])
				return err
			}
		}
	}
	return nil
}
