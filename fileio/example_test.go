package fileio_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/posixkit/posixkit/fileio"
	"golang.org/x/sys/unix"
)

// exampleDir returns a new temporary directory for an example.
func exampleDir() (string, func()) {
	dir, err := os.MkdirTemp("", "fileio-example")
	if err != nil {
		log.Fatal(err)
	}
	return dir, func() { os.RemoveAll(dir) }
}

// Open with O_RDONLY|O_CREAT creates the file when it is missing, as in the
// notes' first program; a missing directory is ENOENT.
func ExampleOpen() {
	dir, cleanup := exampleDir()
	defer cleanup()

	f, err := fileio.Open(filepath.Join(dir, "foo.txt"), fileio.O_RDONLY|fileio.O_CREAT, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("opened, fd >= 0:", f.Fd() >= 0)
	f.Close()

	_, err = fileio.Open(filepath.Join(dir, "no-such-dir", "foo.txt"), fileio.O_RDONLY|fileio.O_CREAT, 0o644)
	var errno unix.Errno
	errors.As(err, &errno)
	fmt.Println("not exist:", errors.Is(err, fs.ErrNotExist))
	fmt.Println("Error Number", int(errno))
	// Output:
	// opened, fd >= 0: true
	// not exist: true
	// Error Number 2
}

func ExampleFile_Read() {
	dir, cleanup := exampleDir()
	defer cleanup()
	path := filepath.Join(dir, "foo.txt")
	if err := os.WriteFile(path, []byte("hello geeks\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	f, err := fileio.Open(path, fileio.O_RDONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	c := make([]byte, 10)
	for {
		n, err := f.Read(c)
		if err == io.EOF {
			fmt.Println("end of file")
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("read %d bytes: %q\n", n, c[:n])
	}
	// Output:
	// read 10 bytes: "hello geek"
	// read 2 bytes: "s\n"
	// end of file
}

func ExampleFile_Write() {
	dir, cleanup := exampleDir()
	defer cleanup()
	path := filepath.Join(dir, "foo.txt")

	f, err := fileio.Open(path, fileio.O_WRONLY|fileio.O_CREAT|fileio.O_TRUNC, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	n, err := f.Write([]byte("hello geeks\n"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("It returned", n)
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fmt.Printf("%q\n", b)
	// Output:
	// It returned 12
	// "hello geeks\n"
}

func ExampleFile_Seek() {
	dir, cleanup := exampleDir()
	defer cleanup()

	f, err := fileio.Open(filepath.Join(dir, "foo.txt"), fileio.O_RDWR|fileio.O_CREAT, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	f.Write([]byte("0123456789"))
	off, _ := f.Seek(-4, io.SeekEnd)
	b := make([]byte, 4)
	n, _ := f.Read(b)
	fmt.Printf("at %d: %s\n", off, b[:n])
	// Output:
	// at 6: 6789
}

func ExampleFile_ReadAt() {
	dir, cleanup := exampleDir()
	defer cleanup()

	f, err := fileio.Open(filepath.Join(dir, "foo.txt"), fileio.O_RDWR|fileio.O_CREAT, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	f.WriteAt([]byte("hello geeks"), 0)
	b := make([]byte, 8)
	n, err := f.ReadAt(b, 6)
	fmt.Printf("%d %q %v\n", n, b[:n], err)
	// Output:
	// 5 "geeks" EOF
}

func ExampleFile_Close() {
	dir, cleanup := exampleDir()
	defer cleanup()

	f, err := fileio.Open(filepath.Join(dir, "foo.txt"), fileio.O_RDONLY|fileio.O_CREAT, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Close())
	err = f.Close()
	fmt.Println("closed:", errors.Is(err, fs.ErrClosed), f.Fd())
	// Output:
	// <nil>
	// closed: true -1
}

func ExampleFlag_String() {
	fmt.Println(fileio.O_WRONLY | fileio.O_CREAT | fileio.O_TRUNC)
	fmt.Println(fileio.O_RDONLY | fileio.O_CREAT)
	fmt.Println(fileio.O_RDWR | fileio.O_APPEND | 0x40000000)
	// Output:
	// O_WRONLY|O_CREAT|O_TRUNC
	// O_RDONLY|O_CREAT
	// O_RDWR|O_APPEND|0x40000000
}

// WriteAt writes at an offset without moving the file offset, which the
// next Write still uses.
func ExampleFile_WriteAt() {
	dir, cleanup := exampleDir()
	defer cleanup()

	f, err := fileio.Open(filepath.Join(dir, "foo.txt"), fileio.O_RDWR|fileio.O_CREAT, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	f.Write([]byte("hello world"))
	f.WriteAt([]byte("W"), 6)
	f.Write([]byte("!"))
	b := make([]byte, 16)
	n, _ := f.ReadAt(b, 0)
	fmt.Printf("%s\n", b[:n])
	_, err = f.WriteAt(b, -1)
	fmt.Println("EINVAL:", errors.Is(err, unix.EINVAL))
	// Output:
	// hello World!
	// EINVAL: true
}

// NewFile returns nil for a descriptor that is not open; the methods of a
// nil File return an error wrapping EINVAL rather than panic.
func ExampleNewFile_invalid() {
	f := fileio.NewFile(-1, "nothing")
	_, err := f.Read(make([]byte, 1))
	fmt.Println(f == nil, errors.Is(err, unix.EINVAL), f.Fd())
	// Output: true true -1
}
