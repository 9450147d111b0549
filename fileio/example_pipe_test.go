//go:build !darwin

package fileio_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/posixkit/posixkit/fileio"
	"golang.org/x/sys/unix"
)

// NewFile adopts a pipe made with x/sys; a Read of the empty pipe would wait
// in the runtime poller, and after SetNonblock(true) returns EAGAIN instead.
func ExampleNewFile() {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		log.Fatal(err)
	}
	r, w := fileio.NewFile(p[0], "pipe-r"), fileio.NewFile(p[1], "pipe-w")
	defer r.Close()
	defer w.Close()

	r.SetNonblock(true)
	_, err := r.Read(make([]byte, 1))
	fmt.Println(err)
	fmt.Println("EAGAIN:", errors.Is(err, unix.EAGAIN))

	w.Write([]byte("hi"))
	b := make([]byte, 2)
	n, _ := r.Read(b)
	fmt.Printf("%s\n", b[:n])
	// Output:
	// read pipe-r: resource temporarily unavailable
	// EAGAIN: true
	// hi
}

// A Read of an empty pipe waits in the runtime poller until its deadline.
func ExampleFile_SetReadDeadline() {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		log.Fatal(err)
	}
	r, w := fileio.NewFile(p[0], "pipe-r"), fileio.NewFile(p[1], "pipe-w")
	defer r.Close()
	defer w.Close()

	r.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	_, err := r.Read(make([]byte, 1))
	fmt.Println(err)
	fmt.Println("deadline:", errors.Is(err, os.ErrDeadlineExceeded))
	// Output:
	// read pipe-r: i/o timeout
	// deadline: true
}
