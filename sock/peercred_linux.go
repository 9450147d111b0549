package sock

import "golang.org/x/sys/unix"

// PeerCred returns the credentials of the connected AF_UNIX peer as they
// were at connect(2) or socketpair(2): getsockopt(SO_PEERCRED) (Linux).
func (s *Socket) PeerCred() (Ucred, error) {
	var u *unix.Ucred
	err := s.control("getsockopt", func(fd int) error {
		var err error
		u, err = unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
		return err
	})
	if err != nil {
		return Ucred{}, err
	}
	return Ucred{Pid: int(u.Pid), Uid: int(u.Uid), Gid: int(u.Gid)}, nil
}

// TCPInfo returns the kernel's statistics of a TCP connection:
// getsockopt(TCP_INFO) (Linux), x/sys's copy of struct tcp_info.
func (s *Socket) TCPInfo() (unix.TCPInfo, error) {
	var ti *unix.TCPInfo
	err := s.control("getsockopt", func(fd int) error {
		var err error
		ti, err = unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		return err
	})
	if err != nil {
		return unix.TCPInfo{}, err
	}
	return *ti, nil
}
