// deadlock: every goroutine is blocked, so the runtime reports
// "fatal error: all goroutines are asleep - deadlock!" and dumps all
// goroutines with their wait reasons. Note: in Go 1.19 both sync.Mutex.Lock
// and sync.WaitGroup.Wait show up as [semacquire] (the finer
// "sync.Mutex.Lock" reasons only arrived in Go 1.20).
package main

import (
	"sync"
	"time"
)

var mu sync.Mutex
var wg sync.WaitGroup

func lockForever() {
	mu.Lock() // blocks: main holds mu
}

func waitForever() {
	wg.Wait() // blocks: counter never reaches zero
}

func selectForever(a, b chan int) {
	select {
	case <-a:
	case b <- 1:
	}
}

func sendNil() {
	var c chan int
	c <- 1 // [chan send (nil chan)]
}

func main() {
	mu.Lock()
	wg.Add(1)
	go lockForever()
	go waitForever()
	go selectForever(make(chan int), make(chan int))
	go sendNil()
	go func() { select {} }()
	time.Sleep(100 * time.Millisecond) // let them block first
	<-make(chan int)
}
