// Package fileio wraps the UNIX file descriptor calls: open(2), read(2),
// write(2), close(2), pread(2), pwrite(2), lseek(2) and fcntl(2) with
// F_GETFL/F_SETFL.
//
// [Open] makes the open(2) call itself, adding O_CLOEXEC; [NewFile] adopts a
// descriptor made elsewhere (a pipe, a socket). Either way the [File] holds
// the descriptor in an *os.File, so its lifetime is the one os proves: a
// [File.Close] wakes every call waiting on the descriptor, the real close(2)
// happens only when no call still uses the number, and every call after
// Close returns an error wrapping [io/fs.ErrClosed] instead of touching a
// number the kernel may already have given to another file.
//
// Descriptors the Go runtime can poll (pipes, FIFOs, terminals, sockets) are
// kept nonblocking in the kernel and wait in the runtime poller: a Read of an
// empty pipe looks blocking to its caller but parks only its goroutine, and
// deadlines ([File.SetReadDeadline]) can end the wait. [File.SetNonblock]
// gives the C behaviour back: calls return EAGAIN instead of waiting.
// Regular files and directories stay blocking, as in os.
//
// Errors are *[io/fs.PathError] values naming the call and the file and
// wrapping the errno, so errors.Is(err, fs.ErrNotExist) and
// errors.Is(err, unix.EAGAIN) work: "open foo.txt: no such file or directory".
// Read returns a bare [io.EOF] at end of file.
//
// Read, Write, ReadAt and WriteAt allocate nothing per call.
//
// What differs per OS: on Darwin FIFOs are not polled (kqueue does not report
// the last writer closing, Go issue 24164), so a Read on a FIFO there blocks
// its thread as it does in os. The flag values are each system's own; on
// 64-bit Linux [File.Flags] also reports the kernel's O_LARGEFILE bit for
// files opened with open(2) (0x8000 on amd64), which prints in hexadecimal.
//
// The common path, as in C:
//
//	f, err := fileio.Open("foo.txt", fileio.O_WRONLY|fileio.O_CREAT|fileio.O_TRUNC, 0o644)
//	if err != nil {
//		return err
//	}
//	defer f.Close()
//	if _, err := f.Write([]byte("hello geeks\n")); err != nil {
//		return err
//	}
package fileio
