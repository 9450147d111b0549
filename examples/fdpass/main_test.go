package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childMain(os.Stdout))
	}
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// TestFdpass runs the parent in-process and the child as this test binary:
// the child serves the parent's file on the parent's listener.
func TestFdpass(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), nil, nil, &out, &errb); err != nil {
		t.Fatalf("run: %v\n%s%s", err, out.String(), errb.String())
	}
	for _, re := range []string{
		`(?m)^child: recvmsg "file,listener" with SCM_RIGHTS \[\d+ \d+\]$`,
		`(?m)^child: fd \d+ is a file, fd \d+ a AF_INET SOCK_STREAM socket listening on 127\.0\.0\.1:\d+$`,
		`(?m)^parent: connect 127\.0\.0\.1:\d+, read "served from a descriptor passed with SCM_RIGHTS\\n"$`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("output does not match %s:\n%s", re, out.String())
		}
	}
}
