package diag

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// findProcesses sets the Processes of the sockets in out, as ss -p finds
// them: every /proc/PID/fd/N that is a link to "socket:[INODE]". Processes
// that exit during the walk, and those whose descriptors the caller may not
// read (EACCES), are skipped; only a failure to list /proc is an error.
func findProcesses(ctx context.Context, out []Socket) error {
	byInode := make(map[uint32]int, len(out))
	for i := range out {
		if out[i].Inode != 0 {
			byInode[out[i].Inode] = i
		}
	}
	if len(byInode) == 0 {
		return nil
	}
	d, err := os.Open("/proc")
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	link := make([]byte, 64)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue // not a process
		}
		fdDir := "/proc/" + name + "/fd/"
		fds, err := readDirNames(fdDir)
		if err != nil {
			continue // exited, or not ours to read
		}
		comm := ""
		for _, fdName := range fds {
			n, err := unix.Readlink(fdDir+fdName, link)
			if err != nil {
				continue // closed meanwhile
			}
			ino, ok := socketInode(link[:n])
			if !ok {
				continue
			}
			i, ok := byInode[ino]
			if !ok {
				continue
			}
			fd, err := strconv.Atoi(fdName)
			if err != nil {
				continue
			}
			if comm == "" {
				comm = readComm(name)
			}
			out[i].Processes = append(out[i].Processes, Process{PID: pid, Command: comm, FD: fd})
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Processes, func(a, b Process) int {
			if a.PID != b.PID {
				return a.PID - b.PID
			}
			return a.FD - b.FD
		})
	}
	return nil
}

func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// socketInode parses a descriptor link "socket:[12345]".
func socketInode(l []byte) (uint32, bool) {
	const pre, post = "socket:[", "]"
	if !bytes.HasPrefix(l, []byte(pre)) || !bytes.HasSuffix(l, []byte(post)) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(l[len(pre):len(l)-len(post)]), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// readComm returns the process's name from /proc/PID/comm, or "" if it has
// exited.
func readComm(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/comm")
	if err != nil {
		return ""
	}
	return string(bytes.TrimSuffix(b, []byte("\n")))
}
