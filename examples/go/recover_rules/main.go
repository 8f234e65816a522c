// recover_rules: one line per rule of when recover() stops a panic.
// recover only works when called directly by a deferred function while the
// goroutine is panicking (runtime check: caller's argp == panic's argp).
// Each rule runs under guard(), whose own recover reports what escaped.
package main

import (
	"fmt"
	"runtime"
)

// guard runs rule and prints what it noted and what panic (if any) escaped.
func guard(name string, rule func(note *string)) {
	note := "-"
	escaped := func() (r interface{}) {
		defer func() { r = recover() }()
		rule(&note)
		return nil
	}()
	fmt.Printf("%-28s %s | escaped: %v\n", name+":", note, escaped)
}

func helper() interface{} { return recover() }

// 1. recover in a helper called by the deferred function: nil, panic goes on.
func helperRecover(note *string) {
	defer func() { *note = fmt.Sprintf("helper recover: %v", helper()) }()
	panic("p1")
}

// 2. `defer recover()`: recover *is* the deferred call -> no-op (too early).
func deferRecoverDirect(note *string) {
	defer recover()
	panic("p2")
}

// 3. recover directly in a deferred closure; the named result is returned.
func closureRecover() (out string) {
	defer func() { out = fmt.Sprintf("closure recover: %v", recover()) }()
	panic("p3")
}

// 4. recover when not panicking.
func notPanicking(note *string) {
	*note = fmt.Sprintf("recover when not panicking: %v", recover())
}

// 5. recover during runtime.Goexit (Goexit is not a panic).
func duringGoexit(note *string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { *note = fmt.Sprintf("recover during Goexit: %v", recover()) }()
		runtime.Goexit()
	}()
	<-done
}

// 6. `defer func(){ defer recover() }()` (recover.go test4): the inner
// deferred recover runs directly on behalf of the deferred closure -> recovers.
func deferDeferRecover(note *string) {
	defer func() { *note = "deferred closure returned" }()
	defer func() { defer recover() }()
	panic("p6")
}

// 7. A nested panic recovered inside the deferred call: the first panic
// continues after the deferred call returns (RecursivePanic3 style).
func nestedRecoveredInside(note *string) {
	defer func() {
		defer func() { *note = fmt.Sprintf("inner recover: %v", recover()) }()
		panic("second")
	}()
	panic("first")
}

// 8. A second panic recovered further down the stack: the first is abandoned.
func secondAbandonsFirst(note *string) {
	defer func() { *note = fmt.Sprintf("outer recover: %v", recover()) }()
	defer func() { panic("second") }()
	panic("first")
}

func main() {
	guard("1 helper", helperRecover)
	guard("2 defer recover()", deferRecoverDirect)
	guard("3 closure, named result", func(note *string) { *note = "returned " + closureRecover() })
	guard("4 not panicking", notPanicking)
	guard("5 Goexit", duringGoexit)
	guard("6 defer{defer recover()}", deferDeferRecover)
	guard("7 nested, recovered inside", nestedRecoveredInside)
	guard("8 second abandons first", secondAbandonsFirst)
}
