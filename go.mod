module github.com/posixkit/posixkit

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/net v0.63.0
	golang.org/x/sys v0.50.0
)
