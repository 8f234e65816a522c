// goexit_deadlock: runtime.Goexit on the main goroutine runs main's
// deferred calls, but the program does not exit; once the other goroutine
// finishes, nothing is left and the runtime reports
// "fatal error: no goroutines (main called runtime.Goexit) - deadlock!".
package main

import (
	"fmt"
	"runtime"
	"time"
)

func main() {
	defer fmt.Println("main deferred print (runs during Goexit)")
	go func() {
		time.Sleep(100 * time.Millisecond)
		fmt.Println("other goroutine done")
	}()
	runtime.Goexit()
}
