// nil_deref: dereferencing a nil pointer raises SIGSEGV, which the runtime
// turns into a runtime.Error panic ("invalid memory address or nil pointer
// dereference") plus a "[signal SIGSEGV: segmentation violation ...]" line.
package main

import "fmt"

type T struct{ x int }

func deref() {
	var p *T
	fmt.Println(p.x)
}

func main() {
	deref()
}
