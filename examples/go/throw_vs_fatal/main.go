// throw_vs_fatal: two kinds of unrecoverable runtime errors.
//
//	unlock:     sync.Mutex.Unlock of an unlocked mutex -> runtime.fatal
//	            ("fatal error: sync: unlock of unlocked mutex"); user-level
//	            error, so the traceback hides runtime frames.
//	printpanic: the panic value's Error() method itself panics while the
//	            runtime prints it -> runtime.throw
//	            ("panic while printing panic value").
//
// A runtime throw forces traceback level 2 (all goroutines, runtime frames,
// fp/sp/pc), so GOTRACEBACK=none does not silence it; fatal obeys it.
package main

import (
	"os"
	"sync"
)

type badErr struct{}

func (badErr) Error() string { panic("Error() exploded") }

func main() {
	mode := "unlock"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "unlock":
		var mu sync.Mutex
		mu.Unlock()
	case "printpanic":
		panic(badErr{})
	}
}
