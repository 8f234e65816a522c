// trace/event.h — one traced event as it sits in a buffer before the writer
// turns it into JSON, and the tracks (Chrome "threads") events go on.
//
// Events are recorded complete: a slice is appended when it ends, with its
// start and duration, so the file never holds an unmatched begin or end
// (Chrome's "X" events). Names are string literals (static storage), so an
// event is a fixed 40 bytes and recording one copies no string.
#pragma once

#include <cstdint>

namespace gort::trace {

enum class EventKind : std::uint8_t {
  goroutine_slice,  // a goroutine ran on a P: track = P id, arg = goid, name = label or null ("G<goid>")
  nested_slice,     // inside a goroutine slice (mark assist, mark worker turn): arg = goid
  gc_slice,         // a slice on a global track (GC phase, stop-the-world): arg = GC cycle number
  counter,          // "ph":"C": name = counter name, arg = value
  instant,          // "ph":"i", global scope: name, arg = a value worth keeping (or 0)
};

// Tracks (Chrome "tid"s). P n's track is n + 1 (tid 0 names the process);
// the global ones sort above every P.
inline constexpr std::uint32_t track_of_p(std::int32_t p) { return static_cast<std::uint32_t>(p) + 1; }
inline constexpr std::uint32_t kTrackGC = 1u << 20;
inline constexpr std::uint32_t kTrackSTW = kTrackGC + 1;

struct Event {
  std::int64_t ts;    // nanotime at the start
  std::int64_t dur;   // ns (slices); 0 otherwise
  std::int64_t arg;   // see EventKind
  const char* name;   // a string literal, or null for a goroutine slice without a label
  std::uint32_t track;
  EventKind kind;
};

}  // namespace gort::trace
