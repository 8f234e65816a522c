// Ranging over a map while another goroutine writes it:
// fatal error: concurrent map iteration and map write.
package main

import (
	"fmt"
	"time"
)

func writer(m map[int]int) {
	for i := 0; ; i++ {
		m[i%1024] = i
	}
}

func iterate(m map[int]int) {
	sum := 0
	for {
		for k, v := range m {
			sum += k + v
		}
	}
}

func main() {
	m := make(map[int]int)
	for i := 0; i < 1024; i++ {
		m[i] = i
	}
	go iterate(m)
	go writer(m)
	time.Sleep(30 * time.Second)
	fmt.Println("not caught in 30 s")
}
