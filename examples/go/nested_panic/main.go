// nested_panic: a deferred call panics while a first panic is in flight.
// Default mode: panic("first") then a deferred panic("second") -> both
// are printed, the earlier one first. Mode "repanic": recover the original
// and panic again with a new value -> the old panic is shown as "[recovered]".
package main

import (
	"fmt"
	"os"
)

func nested() {
	defer func() { panic("second") }()
	panic("first")
}

func repanic() {
	defer func() {
		r := recover()
		panic(fmt.Sprint("re: ", r))
	}()
	panic("original")
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "repanic" {
		repanic()
	} else {
		nested()
	}
}
