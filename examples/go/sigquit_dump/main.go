// sigquit_dump: SIGQUIT makes the Go runtime print "SIGQUIT: quit", the
// PC/m line, the interrupted goroutine (often "goroutine 0 [idle]" = g0 of
// an idle M), then all goroutines, then the register dump, and exit(2).
// The handler sets m.throwing = throwTypeRuntime, so the dump is at level 2
// (runtime frames + fp/sp/pc) even with GOTRACEBACK=none.
// Run it, wait for "ready", then `kill -QUIT <pid>`.
package main

import (
	"fmt"
	"os"
	"time"
)

func recvForever(c chan int) { <-c }

func sleepForever() { time.Sleep(time.Hour) }

func selectForever(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

func main() {
	c := make(chan int)
	go recvForever(c)
	go sleepForever()
	go selectForever(make(chan int), make(chan int))
	time.Sleep(50 * time.Millisecond)
	fmt.Fprintln(os.Stdout, "ready")
	select {} // block forever
}
