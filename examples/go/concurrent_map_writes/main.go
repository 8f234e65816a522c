// Two goroutines write one map: fatal error: concurrent map writes. The
// deferred recovers never run.
package main

import (
	"fmt"
	"time"
)

func writer(m map[int]int, id int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Printf("writer %d recovered: %v (never printed)\n", id, r)
		} else {
			fmt.Printf("writer %d: deferred call ran (never printed)\n", id)
		}
	}()
	for i := 0; ; i++ {
		m[i%1024] = i
	}
}

func main() {
	m := make(map[int]int)
	go writer(m, 1)
	go writer(m, 2)
	time.Sleep(30 * time.Second)
	fmt.Println("not caught in 30 s")
}
