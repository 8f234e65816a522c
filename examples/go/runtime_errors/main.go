// runtime_errors: recover several run-time panics and print, for each,
// its message, dynamic type, and whether it implements runtime.Error.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func try(name string, f func()) {
	defer func() {
		r := recover()
		_, isRE := r.(runtime.Error)
		fmt.Printf("%-22s %v | %T | isRuntimeError=%v\n", name+":", r, r, isRE)
	}()
	f()
}

func main() {
	try("index", func() {
		s := []int{1, 2, 3}
		i := 5
		_ = s[i]
	})
	try("divide", func() {
		a, b := 1, 0
		_ = a / b
	})
	try("send closed", func() {
		c := make(chan int, 1)
		close(c)
		c <- 1
	})
	try("close closed", func() {
		c := make(chan int)
		close(c)
		close(c)
	})
	try("close nil", func() {
		var c chan int
		close(c)
	})
	try("negative WaitGroup", func() {
		var wg sync.WaitGroup
		wg.Add(-1)
	})
	try("nil map", func() {
		var m map[string]int
		m["a"] = 1
	})
}
