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
	testkit.CheckHelpAndUsage(t, nil, []string{"fly"}, []string{"demo", "extra"}, []string{"send"},
		[]string{"-group", "10.0.0.1:5007", "demo"}, []string{"-group", "239.1.2.3:0", "demo"},
		[]string{"-ttl", "256", "demo"}, []string{"-n", "1", "demo"}, []string{"-wait", "0s", "recv"})
}
