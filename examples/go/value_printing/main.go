// value_printing: how the runtime prints panic values (printpanics ->
// printany, error.go): builtin kinds print their value (floats in println's
// +1.500000e+000 format), named basic types print `main.S("v")`,
// error/Stringer values use their method (called by preprintpanics), other
// types print "(main.T) 0xADDR", and Go 1.19 panic(nil) prints "panic: nil".
// Usage: value_printing MODE
package main

import (
	"errors"
	"os"
)

type T struct{ A, B int }

type S string

type str struct{}

func (str) String() string { return "I am a Stringer" }

func main() {
	switch os.Args[1] {
	case "string":
		panic("a string")
	case "int":
		panic(42)
	case "float":
		panic(3.5)
	case "error":
		panic(errors.New("an error value"))
	case "stringer":
		panic(str{})
	case "struct":
		panic(T{1, 2})
	case "namedstring":
		panic(S("named string"))
	case "nil":
		panic(nil)
	case "bool":
		panic(true)
	case "uint8":
		panic(uint8(200))
	case "int64neg":
		panic(int64(-9000000000))
	case "float32":
		panic(float32(1.25))
	case "complex":
		panic(complex(1.5, -2))
	}
}
