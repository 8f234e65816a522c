// Go twin of `gort-bench pipeline` (bench/pipeline.cc): a three-stage channel
// pipeline (generate -> square -> sum) with unbuffered, 16- and 256-element
// channels; ns per value.
// usage: pipeline_go [n=1000000]
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	n := int64(1000000)
	if len(os.Args) > 1 {
		n, _ = strconv.ParseInt(os.Args[1], 10, 64)
	}
	impl := fmt.Sprintf("go-p%d", runtime.GOMAXPROCS(0))
	var want uint64
	for i := int64(0); i < n; i++ {
		want += uint64(i) * uint64(i)
	}
	for _, c := range []int{0, 16, 256} {
		in, out := make(chan int64, c), make(chan int64, c)
		t0 := time.Now()
		go func() {
			for i := int64(0); i < n; i++ {
				in <- i
			}
			close(in)
		}()
		go func() {
			for v := range in {
				out <- v * v
			}
			close(out)
		}()
		var sum uint64
		for v := range out {
			sum += uint64(v)
		}
		per := float64(time.Since(t0).Nanoseconds()) / float64(n)
		fmt.Printf("pipeline cap=%d n=%d sum=%d want=%d ns_per_value=%.1f\n", c, n, sum, want, per)
		if sum != want {
			fmt.Println("CHECK FAILED")
			os.Exit(1)
		}
		fmt.Printf("RESULT name=pipeline impl=%s metric=cap%d value=%.1f unit=ns\n", impl, c, per)
	}
}
