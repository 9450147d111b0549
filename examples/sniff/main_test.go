package main

import (
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"extra"}, []string{"-c", "-1"}, []string{"-type", "0x0100"}, []string{"-type", "tcp"})
}
