package main

import (
	"testing"

	"github.com/posixkit/posixkit/examples/internal/extest"
)

func TestCommandLine(t *testing.T) {
	extest.CheckHelpAndUsage(t, []string{"-nosuch"}, []string{"extra"})
}
