// One writer, one reader, allocation churn forcing GC cycles:
// fatal error: concurrent map read and map write.
package main

import (
	"fmt"
	"strconv"
	"time"
)

func churn(i int) string { return "garbage " + strconv.Itoa(i) }

func writer(m map[int]string) {
	for i := 0; ; i++ {
		m[i%512] = churn(i)
	}
}

func reader(m map[int]string) {
	n := 0
	for i := 0; ; i++ {
		n += len(m[i%512])
		_ = churn(i)
	}
}

func main() {
	m := make(map[int]string)
	go writer(m)
	go reader(m)
	time.Sleep(30 * time.Second)
	fmt.Println("not caught in 30 s")
}
