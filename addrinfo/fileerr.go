package addrinfo

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// glibc 2.36 treats a file it cannot read according to the file and to
// the step that failed:
//
//   - hosts: a file that cannot be opened makes nss_files answer UNAVAIL
//     (gethostbyname2_r and gethostbyaddr_r leave h_errno as it was;
//     after gethostbyname4_r getaddrinfo answers as after HOST_NOT_FOUND,
//     or TRY_AGAIN for EAGAIN); one that cannot be read (a directory)
//     answers UNAVAIL with h_errno NETDB_INTERNAL and the errno, which
//     the per-family path of getaddrinfo turns into EAI_SYSTEM at once,
//     and its other paths and getnameinfo when no later service of the
//     hosts line sets h_errno again.
//   - services: no services either way.
//   - resolv.conf and nsswitch.conf: a file that cannot be opened for
//     EACCES, EISDIR, ELOOP, ENOENT, ENOTDIR or EPERM means the defaults;
//     any other failure (one that cannot be read) fails the resolver
//     context or the NSS database. Then getaddrinfo's AF_INET path
//     without AI_CANONNAME (gethostbyname2_r) and getnameinfo's
//     gethostbyaddr_r fail with NETDB_INTERNAL and the errno
//     (EAI_SYSTEM); the other paths of getaddrinfo ask no service and
//     find nothing (EAI_NONAME, in a thread whose h_errno is 0); with
//     nsswitch.conf, services are not found either.
//   - gai.conf: the default tables either way.

// readFailed reports whether err is a failure to read a file that was
// found and opened (loadFile's read errors), not a failure to find or
// open it.
func readFailed(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Op != "stat" && pe.Op != "open"
}

// confErr is glibc's rule for resolv.conf and nsswitch.conf: nil when
// err means the defaults (no error, the context's end, or a file that
// cannot be opened for a reason the file system's contents give), else
// err, which fails every look-up that needs the file.
func confErr(err error) error {
	if err == nil || isCtxErr(err) {
		return nil
	}
	if !readFailed(err) {
		switch errnoOf(err) {
		case unix.EACCES, unix.EISDIR, unix.ELOOP, unix.ENOENT, unix.ENOTDIR, unix.EPERM:
			return nil
		}
	}
	return err
}

// resolvContext is glibc's __resolv_context_get: the resolver
// configuration, with the environment as it is now, or why resolv.conf
// fails every look-up.
func (r *Resolver) resolvContext(ctx context.Context) (*resolvConf, error) {
	p := r.resolvConfFile()
	data, err := cacheFor(resolvCaches, p).get(ctx, p, func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
	if err := confErr(err); err != nil {
		return nil, err
	}
	return parseResolvConf(data, os.LookupEnv, os.Hostname), nil
}

// nssDatabase is glibc's __nss_database_get for the hosts database: the
// services of the hosts line, or why nsswitch.conf fails every look-up.
func (r *Resolver) nssDatabase(ctx context.Context) ([]nssService, error) {
	p := r.nsswitchFile()
	list, err := cacheFor(nssCaches, p).get(ctx, p, func(_ context.Context, b []byte) ([]nssService, error) { return parseNSSwitch(b), nil })
	if err != nil {
		return defaultHostsServices, confErr(err)
	}
	return list, nil
}

// services returns the parsed services file; one that cannot be read, or
// a failed nsswitch.conf, gives no services.
func (r *Resolver) services(ctx context.Context) *servicesDB {
	p := r.servicesFile()
	db, err := cacheFor(servicesCache, p).get(ctx, p, parseServices)
	if _, nerr := r.nssDatabase(ctx); err != nil || nerr != nil {
		return &servicesDB{}
	}
	return db
}
