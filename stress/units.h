// stress/units.h — the value syntaxes of gort-stress's flags.
//
// Each parser takes the whole text and either fills *out and returns an empty
// string, or returns one short phrase saying what is wrong ("must be a whole
// number", ...), which the flag parser puts after the flag's name. Nothing
// here throws or aborts: bad input from the command line is never a crash.
//
//   parse_uint      "42"                       decimal, no sign, no spaces
//   parse_duration  "10s", "500ms", "1m30s"   Go's time.ParseDuration units
//                                              (ns, us/µs, ms, s, m, h),
//                                              fractions allowed ("1.5s")
//   parse_bytes     "512MiB", "1GiB", "4096"  Go's GOMEMLIMIT syntax, parsed by
//                                              gort's own GOMEMLIMIT parser
//                                              (gort::gc::parse_byte_count)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace stress {

std::string parse_uint(std::string_view s, std::uint64_t max, std::uint64_t* out);
std::string parse_duration(std::string_view s, std::chrono::nanoseconds* out);
std::string parse_bytes(std::string_view s, std::int64_t* out);

// "1.50 MiB", "312 KiB", "17 B": for the progress line and the summary.
std::string format_bytes(double bytes);
// "85µs", "1.20ms", "2.5s"
std::string format_ns(std::int64_t ns);

}  // namespace stress
