// trace/writer.h — the trace file and the thread that writes it.
//
// The writer owns the file. Every pass (every 100 ms, or sooner when buffers
// queue up) it takes the full buffers, the committed part of every thread's
// current buffer and the global ring, encodes them as JSON (trace/json.h)
// and writes them at the end of the events followed by the closing trailer,
// which the next pass overwrites. So the file on disk is a complete JSON
// document after every pass: a process that dies without stopping the trace
// (a fatal error, _exit) leaves a valid file holding everything up to the
// last pass.
//
// The size cap (GORT_TRACE_LIMIT, or start's limit): the pass that would
// write past it stops recording instead, and the file ends with an instant
// event "trace truncated" on the GC track.
#pragma once

#include <cstdint>
#include <string>

namespace gort::trace {

// Creates (truncates) path and writes the header, the metadata and the
// trailer; false with *error set if it cannot.
bool writer_open(const std::string& path, std::int64_t limit, std::int64_t t0, std::string* error);
void writer_start_thread();
// Stops the thread (after its last pass) — the caller then runs the final pass.
void writer_stop_thread();
// One pass (the writer thread's, or the final one after writer_stop_thread).
void writer_pass();
// Adds the closing instants (dropped events), writes them with the trailer and
// closes the file.
void writer_close();

}  // namespace gort::trace
