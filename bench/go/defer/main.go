// Benchmark: the cost of Go's defer kinds (Go 1.19), as a baseline for gort.
//
//	(a) nodefer     call of a small //go:noinline function, no defer
//	(b) opencoded   same function with one `defer func(){ counter++ }()`;
//	                top-level, <=8 defers, few returns -> open-coded defer
//	(c) loopdefer   the defer sits inside a (1-iteration) loop: open-coding is
//	                disabled and the _defer record is heap-allocated
//	                (runtime.deferproc, recycled via the per-P defer pool)
//	(d) stackdefer  one top-level defer but 16 return statements
//	                (returns*defers > 15): not open-coded, stack-allocated
//	                _defer record (runtime.deferprocStack)
//
// Check the classification with: go build -gcflags=-d=defer .
// Each case runs 100M calls; 5 runs; the median ns/op is printed as
// "name ns_per_op", followed by (b)-(a) as cost_of_one_open_coded_defer,
// then RESULT lines (metrics nodefer, defer, defer_cost, loopdefer, stackdefer).
package main

import (
	"fmt"
	"sort"
	"time"
)

const iters = 100_000_000
const runs = 5

var counter int

//go:noinline
func nodefer(x int) int {
	counter++
	return x + 1
}

//go:noinline
func opencoded(x int) int {
	defer func() { counter++ }()
	return x + 1
}

//go:noinline
func loopdefer(x int) int {
	for i := 0; i < 1; i++ {
		defer func() { counter++ }()
	}
	return x + 1
}

//go:noinline
func stackdefer(x int) int {
	defer func() { counter++ }()
	switch x & 15 {
	case 0:
		return x + 1
	case 1:
		return x + 1
	case 2:
		return x + 1
	case 3:
		return x + 1
	case 4:
		return x + 1
	case 5:
		return x + 1
	case 6:
		return x + 1
	case 7:
		return x + 1
	case 8:
		return x + 1
	case 9:
		return x + 1
	case 10:
		return x + 1
	case 11:
		return x + 1
	case 12:
		return x + 1
	case 13:
		return x + 1
	case 14:
		return x + 1
	}
	return x + 1
}

var sink int

// measure returns the median ns/op over `runs` runs of iters calls of f.
func measure(f func(int) int) float64 {
	res := make([]float64, runs)
	for r := range res {
		x := 0
		start := time.Now()
		for i := 0; i < iters; i++ {
			x = f(x)
		}
		res[r] = float64(time.Since(start).Nanoseconds()) / iters
		sink += x
	}
	sort.Float64s(res)
	return res[runs/2]
}

func main() {
	a := measure(nodefer)
	fmt.Printf("nodefer %.3f\n", a)
	b := measure(opencoded)
	fmt.Printf("opencoded %.3f\n", b)
	c := measure(loopdefer)
	fmt.Printf("loopdefer %.3f\n", c)
	d := measure(stackdefer)
	fmt.Printf("stackdefer %.3f\n", d)
	fmt.Printf("cost_of_one_open_coded_defer %.3f\n", b-a)
	// The benchmark contract's lines (../shared/peers/README.md), paired with
	// `gort-bench defer`: nodefer and defer (open-coded) are the common metrics.
	for _, m := range []struct {
		name string
		v    float64
	}{{"nodefer", a}, {"defer", b}, {"defer_cost", b - a}, {"loopdefer", c}, {"stackdefer", d}} {
		fmt.Printf("RESULT name=defer impl=go metric=%s value=%.4g unit=ns\n", m.name, m.v)
	}
}
