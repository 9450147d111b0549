package sock

import "golang.org/x/sys/unix"

func setHeader4(sa *unix.RawSockaddrInet4) { sa.Family = unix.AF_INET }

func setHeader6(sa *unix.RawSockaddrInet6) { sa.Family = unix.AF_INET6 }

func rawFamily(rsa *unix.RawSockaddrAny) uint16 { return rsa.Addr.Family }

func setHeaderUnix(sa *unix.RawSockaddrUnix, _ uint32) { sa.Family = unix.AF_UNIX }

// abstractUnix: Linux has the abstract AF_UNIX namespace ("@name").
const abstractUnix = true
