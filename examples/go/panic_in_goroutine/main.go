// panic_in_goroutine: a panic in a child goroutine kills the whole program.
// main's deferred print never runs (defers run only on the panicking
// goroutine), and the traceback shows the child plus a "created by" line.
package main

import (
	"fmt"
	"time"
)

func worker() {
	panic("panic in child goroutine")
}

func startWorker() {
	go func() {
		worker()
	}()
}

func main() {
	defer fmt.Println("main deferred print (never runs)")
	startWorker()
	time.Sleep(1 * time.Second)
	fmt.Println("unreachable")
}
