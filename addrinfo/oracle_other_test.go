//go:build !linux

package addrinfo_test

import "errors"

func bindMount(src, dst string) error { return errors.New("bind mounts need Linux") }

func filesOracleMain() int { return 2 }
