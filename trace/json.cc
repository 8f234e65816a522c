// trace/json.cc — the Chrome Trace Event Format encoding of events (json.h).
#include "trace/json.h"

#include <cstdio>
#include <cstring>

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

namespace {

// Writes into a fixed buffer: an event is at most a few hundred bytes (its
// name is a short literal), so it is built there and appended in one go.
struct Line {
  char buf[512];
  char* p = buf;
  void lit(const char* s, std::size_t n) {
    std::memcpy(p, s, n);
    p += n;
  }
  template <std::size_t N>
  void lit(const char (&s)[N]) {
    lit(s, N - 1);
  }
  void i64(std::int64_t v) {
    char tmp[24];
    char* q = tmp + sizeof tmp;
    bool neg = v < 0;
    std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    do {
      *--q = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    if (neg) *--q = '-';
    lit(q, static_cast<std::size_t>(tmp + sizeof tmp - q));
  }
  // Nanoseconds as microseconds with three decimals; never negative.
  void us(std::int64_t ns) {
    if (ns < 0) ns = 0;
    i64(ns / 1000);
    p[0] = '.';
    p[1] = static_cast<char>('0' + ns / 100 % 10);
    p[2] = static_cast<char>('0' + ns / 10 % 10);
    p[3] = static_cast<char>('0' + ns % 10);
    p += 4;
  }
  // A literal name: plain printable ASCII without quotes or backslashes
  // (checked, so that a bad literal cannot break the file: it is escaped).
  void name(const char* s, std::string& spill) {
    std::size_t n = std::strlen(s);
    bool plain = n < 200;
    for (std::size_t i = 0; plain && i < n; i++) {
      unsigned char ch = static_cast<unsigned char>(s[i]);
      plain = ch >= 0x20 && ch != '"' && ch != '\\';
    }
    if (plain) {
      *p++ = '"';
      lit(s, n);
      *p++ = '"';
      return;
    }
    spill.clear();
    append_string(spill, s);
    if (spill.size() > 300) spill = "\"(unprintable name)\"";
    lit(spill.data(), spill.size());
  }
};

}  // namespace

void append_event(std::string& out, const Context& c, const Event& e) {
  Line l;
  std::string spill;
  l.lit("{\"name\":");
  const char* ph = "X";
  const char* cat = nullptr;
  std::uint32_t track = e.track;
  switch (e.kind) {
    case EventKind::goroutine_slice:
      if (e.name != nullptr) {
        l.name(e.name, spill);
      } else {
        l.lit("\"G");
        l.i64(e.arg);
        *l.p++ = '"';
      }
      cat = "goroutine";
      break;
    case EventKind::nested_slice:
      l.name(e.name, spill);
      cat = "gc";
      break;
    case EventKind::gc_slice:
      l.name(e.name, spill);
      cat = e.track == kTrackSTW ? "stw" : "gc";
      break;
    case EventKind::counter:
      l.name(e.name, spill);
      ph = "C";
      track = kTrackGC;
      break;
    case EventKind::instant:
      l.name(e.name, spill);
      ph = "i";
      track = kTrackGC;
      break;
  }
  if (cat != nullptr) {
    l.lit(",\"cat\":\"");
    l.lit(cat, std::strlen(cat));
    *l.p++ = '"';
  }
  l.lit(",\"ph\":\"");
  *l.p++ = *ph;
  l.lit("\",\"pid\":");
  l.i64(c.pid);
  l.lit(",\"tid\":");
  l.i64(track);
  if (e.kind == EventKind::instant) l.lit(",\"s\":\"g\"");
  l.lit(",\"ts\":");
  l.us(e.ts - c.t0);
  switch (e.kind) {
    case EventKind::goroutine_slice:
    case EventKind::nested_slice:
      l.lit(",\"dur\":");
      l.us(e.dur);
      l.lit(",\"args\":{\"goid\":");
      break;
    case EventKind::gc_slice:
      l.lit(",\"dur\":");
      l.us(e.dur);
      l.lit(",\"args\":{\"cycle\":");
      break;
    case EventKind::counter:
      l.lit(",\"args\":{\"bytes\":");
      break;
    case EventKind::instant:
      l.lit(",\"args\":{\"value\":");
      break;
  }
  l.i64(e.arg);
  l.lit("}}");
  out.append(l.buf, static_cast<std::size_t>(l.p - l.buf));
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
