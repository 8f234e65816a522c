// stack_overflow: unbounded recursion exceeds the 1 GB max stack size:
// "runtime: goroutine stack exceeds 1000000000-byte limit" followed by
// "fatal error: stack overflow" and a traceback with elided frames.
package main

func recurse(n int) int {
	return recurse(n+1) + 1
}

func main() {
	println(recurse(0))
}
