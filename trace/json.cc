// trace/json.cc — the Chrome Trace Event Format encoding of events (json.h).
#include "trace/json.h"

#include <cstdio>

namespace gort::trace::json {

namespace {

void append_i64(std::string& out, std::int64_t v) {
  char buf[24];
  char* p = buf + sizeof buf;
  bool neg = v < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (neg) *--p = '-';
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

// Nanoseconds as microseconds with three decimals ("12.345"); never negative.
void append_us(std::string& out, std::int64_t ns) {
  if (ns < 0) ns = 0;
  append_i64(out, ns / 1000);
  char frac[5] = {'.', static_cast<char>('0' + ns / 100 % 10), static_cast<char>('0' + ns / 10 % 10),
                  static_cast<char>('0' + ns % 10), 0};
  out.append(frac, 4);
}

void append_common(std::string& out, const Context& c, const char* ph, std::uint32_t track) {
  out += ",\"ph\":\"";
  out += ph;
  out += "\",\"pid\":";
  append_i64(out, c.pid);
  out += ",\"tid\":";
  append_i64(out, track);
}

}  // namespace

void append_string(std::string& out, const char* s) {
  out += '"';
  for (; *s != 0; s++) {
    unsigned char ch = static_cast<unsigned char>(*s);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", ch);
      out += esc;
    } else {
      out += static_cast<char>(ch);
    }
  }
  out += '"';
}

void append_event(std::string& out, const Context& c, const Event& e) {
  out += "{\"name\":";
  switch (e.kind) {
    case EventKind::goroutine_slice:
      if (e.name != nullptr) {
        append_string(out, e.name);
      } else {
        out += "\"G";
        append_i64(out, e.arg);
        out += '"';
      }
      out += ",\"cat\":\"goroutine\"";
      append_common(out, c, "X", e.track);
      break;
    case EventKind::nested_slice:
      append_string(out, e.name);
      out += ",\"cat\":\"gc\"";
      append_common(out, c, "X", e.track);
      break;
    case EventKind::gc_slice:
      append_string(out, e.name);
      out += e.track == kTrackSTW ? ",\"cat\":\"stw\"" : ",\"cat\":\"gc\"";
      append_common(out, c, "X", e.track);
      break;
    case EventKind::counter:
      append_string(out, e.name);
      append_common(out, c, "C", kTrackGC);
      break;
    case EventKind::instant:
      append_string(out, e.name);
      append_common(out, c, "i", kTrackGC);
      out += ",\"s\":\"g\"";
      break;
  }
  out += ",\"ts\":";
  append_us(out, e.ts - c.t0);
  switch (e.kind) {
    case EventKind::goroutine_slice:
    case EventKind::nested_slice:
      out += ",\"dur\":";
      append_us(out, e.dur);
      out += ",\"args\":{\"goid\":";
      append_i64(out, e.arg);
      out += "}}";
      break;
    case EventKind::gc_slice:
      out += ",\"dur\":";
      append_us(out, e.dur);
      out += ",\"args\":{\"cycle\":";
      append_i64(out, e.arg);
      out += "}}";
      break;
    case EventKind::counter:
      out += ",\"args\":{\"bytes\":";
      append_i64(out, e.arg);
      out += "}}";
      break;
    case EventKind::instant:
      out += ",\"args\":{\"value\":";
      append_i64(out, e.arg);
      out += "}}";
      break;
  }
}

void append_process_name(std::string& out, const Context& c, const char* name) {
  out += "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":";
  append_i64(out, c.pid);
  out += ",\"tid\":0,\"args\":{\"name\":";
  append_string(out, name);
  out += "}},\n{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":";
  append_i64(out, c.pid);
  out += ",\"tid\":0,\"args\":{\"sort_index\":0}}";
}

void append_track_name(std::string& out, const Context& c, std::uint32_t track, const std::string& name,
                       std::int64_t sort_index) {
  out += "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":";
  append_i64(out, c.pid);
  out += ",\"tid\":";
  append_i64(out, track);
  out += ",\"args\":{\"name\":";
  append_string(out, name.c_str());
  out += "}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":";
  append_i64(out, c.pid);
  out += ",\"tid\":";
  append_i64(out, track);
  out += ",\"args\":{\"sort_index\":";
  append_i64(out, sort_index);
  out += "}}";
}

}  // namespace gort::trace::json
