package fileio_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/posixkit/posixkit/fileio"
	"golang.org/x/sys/unix"
)

// TestInvalidReceiver calls every exported method of *File, found by
// reflection so that a new method is covered too, on a nil File (what
// NewFile returns for a bad descriptor) and a zero one, with zero-valued
// arguments: each returns an error wrapping EINVAL and zero results (Fd:
// -1, Name: ""); none panics.
func TestInvalidReceiver(t *testing.T) {
	t.Parallel()
	errType := reflect.TypeFor[error]()
	for _, tc := range []struct {
		name string
		f    *fileio.File
	}{
		{"nil", nil},
		{"zero", &fileio.File{}},
	} {
		v := reflect.ValueOf(tc.f)
		if v.NumMethod() < 15 {
			t.Fatalf("only %d methods found on *File", v.NumMethod())
		}
		for i := range v.NumMethod() {
			name := v.Type().Method(i).Name
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				fn := v.Method(i)
				args := make([]reflect.Value, fn.Type().NumIn())
				for j := range args {
					args[j] = reflect.Zero(fn.Type().In(j))
				}
				out := fn.Call(args)
				for j, o := range out {
					switch {
					case j == len(out)-1 && fn.Type().Out(j) == errType:
						if err, _ := o.Interface().(error); !errors.Is(err, unix.EINVAL) {
							t.Errorf("%s: error %v, want one wrapping EINVAL", name, err)
						}
					case name == "Fd":
						if o.Int() != -1 {
							t.Errorf("Fd() = %d, want -1", o.Int())
						}
					case !o.IsZero():
						t.Errorf("%s: result %d is %v, want the zero value", name, j, o)
					}
				}
			})
		}
	}
}
