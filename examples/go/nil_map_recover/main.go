// A map of maps whose inner map is nil: assigning into it panics with
// "assignment to entry in nil map" — a recoverable runtime error. First
// recovered, then not.
package main

import "fmt"

func set(m map[string]map[string]int, outer, inner string, v int) {
	m[outer][inner] = v
}

func main() {
	m := map[string]map[string]int{"a": {}}
	func() {
		defer func() {
			r := recover()
			_, isRuntimeError := r.(interface{ RuntimeError() })
			fmt.Printf("recovered: %v (runtime error: %v)\n", r, isRuntimeError)
		}()
		set(m, "b", "x", 1)
	}()
	set(m, "a", "x", 1)
	fmt.Printf("m[\"a\"][\"x\"] = %d, len(m[\"b\"]) = %d\n", m["a"]["x"], len(m["b"]))
	set(m, "b", "x", 2)
	fmt.Println("unreachable")
}
