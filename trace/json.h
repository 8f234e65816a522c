// trace/json.h — the Chrome Trace Event Format encoding of events.
//
// The file is one JSON object: {"traceEvents":[ ...events... ],
// "displayTimeUnit":"ns"}. Timestamps ("ts") and durations ("dur") are in
// microseconds, written with three decimals (nanosecond resolution), counted
// from the start of tracing. Every event carries "pid" (the process id) and
// "tid" (its track: a P's id, or the GC / STW track).
#pragma once

#include <cstdint>
#include <string>

#include "trace/event.h"

namespace gort::trace::json {

// What every event of one file shares.
struct Context {
  std::int64_t t0;  // nanotime of the trace's start
  std::int64_t pid;
};

// The text before the first event and after the last one.
inline constexpr const char kHeader[] = "{\"traceEvents\":[\n";
inline constexpr const char kTrailer[] = "\n],\"displayTimeUnit\":\"ns\"}\n";

// Appends one event (no separator).
void append_event(std::string& out, const Context& c, const Event& e);

// Metadata: the process's name, a track's name and its sort index.
void append_process_name(std::string& out, const Context& c, const char* name);
void append_track_name(std::string& out, const Context& c, std::uint32_t track, const std::string& name,
                       std::int64_t sort_index);

// A JSON string literal for s (quotes included).
void append_string(std::string& out, const char* s);

}  // namespace gort::trace::json
