// The Go twin of gort-bench spawn (bench/spawn.cc): what one goroutine costs
// from `go` to its exit.
//   spawn       chain: goroutine i spawns goroutine i+1 and returns; the last
//               one sends its index to main. One goroutine alive at a time.
//   spawn_wait  spawn one goroutine that calls wg.Done(), wg.Wait(); n times.
//   spawn_batch wg.Add(n); n goroutines each add their index and call
//               wg.Done(); wg.Wait().
// usage: spawn [n=1000000]
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func chain(done chan<- int64, i, n int64) {
	if i == n {
		done <- i
		return
	}
	go chain(done, i+1, n)
}

func main() {
	n := int64(1000000)
	if len(os.Args) > 1 {
		n, _ = strconv.ParseInt(os.Args[1], 10, 64)
	}
	impl := fmt.Sprintf("go-p%d", runtime.GOMAXPROCS(0))

	// 1. chain
	done := make(chan int64)
	t0 := time.Now()
	go chain(done, 1, n)
	last := <-done
	elChain := time.Since(t0)
	fmt.Printf("spawn chain n=%d last=%d ns_per_goroutine=%.1f\n", n, last, float64(elChain.Nanoseconds())/float64(n))
	if last != n {
		fmt.Println("CHECK FAILED")
		os.Exit(1)
	}

	// 2. spawn one, wait for it, n times
	var wg sync.WaitGroup
	var ran int64
	t0 = time.Now()
	for i := int64(0); i < n; i++ {
		wg.Add(1)
		go func() {
			ran++
			wg.Done()
		}()
		wg.Wait()
	}
	elWait := time.Since(t0)
	fmt.Printf("spawn wait n=%d ran=%d ns_per_goroutine=%.1f\n", n, ran, float64(elWait.Nanoseconds())/float64(n))
	if ran != n {
		fmt.Println("CHECK FAILED")
		os.Exit(1)
	}

	// 3. fan-out
	var sum int64
	t0 = time.Now()
	wg.Add(int(n))
	for i := int64(0); i < n; i++ {
		go func(i int64) {
			atomic.AddInt64(&sum, i)
			wg.Done()
		}(i)
	}
	wg.Wait()
	elBatch := time.Since(t0)
	want := n * (n - 1) / 2
	fmt.Printf("spawn batch n=%d sum=%d want=%d ns_per_goroutine=%.1f\n", n, sum, want, float64(elBatch.Nanoseconds())/float64(n))
	if sum != want {
		fmt.Println("CHECK FAILED")
		os.Exit(1)
	}

	fmt.Printf("RESULT name=spawn impl=%s metric=spawn value=%.1f unit=ns\n", impl, float64(elChain.Nanoseconds())/float64(n))
	fmt.Printf("RESULT name=spawn impl=%s metric=spawn_wait value=%.1f unit=ns\n", impl, float64(elWait.Nanoseconds())/float64(n))
	fmt.Printf("RESULT name=spawn impl=%s metric=spawn_batch value=%.1f unit=ns\n", impl, float64(elBatch.Nanoseconds())/float64(n))
}
