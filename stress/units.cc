// stress/units.cc — see units.h.
#include "units.h"

#include "gort/gc.h"

#include <cstdio>

namespace stress {

std::string parse_uint(std::string_view s, std::uint64_t max, std::uint64_t* out) {
  if (s.empty()) return "is empty";
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return "must be a whole number (got '" + std::string(s) + "')";
    if (v > (UINT64_MAX - 9) / 10) return "is too large (at most " + std::to_string(max) + ")";
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return "is too large (at most " + std::to_string(max) + ")";
  *out = v;
  return {};
}

std::string parse_duration(std::string_view s, std::chrono::nanoseconds* out) {
  const std::string bad = "must be a duration such as 10s, 500ms, 2m or 1m30s (got '" + std::string(s) + "')";
  if (s.empty()) return "is empty";
  long double total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    // A number: digits with at most one '.', at least one digit.
    std::size_t start = i;
    long double whole = 0, frac = 0, scale = 1;
    bool dot = false, digits = false;
    for (; i < s.size(); i++) {
      char c = s[i];
      if (c == '.' && !dot) {
        dot = true;
      } else if (c >= '0' && c <= '9') {
        digits = true;
        if (dot) {
          scale /= 10;
          frac += (c - '0') * scale;
        } else {
          whole = whole * 10 + (c - '0');
        }
      } else {
        break;
      }
    }
    if (!digits || i == start) return bad;
    // A unit.
    std::size_t ustart = i;
    while (i < s.size() && !(s[i] == '.' || (s[i] >= '0' && s[i] <= '9'))) i++;
    std::string_view unit = s.substr(ustart, i - ustart);
    long double mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "\xc2\xb5s") mult = 1e3;
    else if (unit == "ms") mult = 1e6;
    else if (unit == "s") mult = 1e9;
    else if (unit == "m") mult = 60e9;
    else if (unit == "h") mult = 3600e9;
    else if (unit.empty()) return "needs a unit, e.g. " + std::string(s) + "s (got '" + std::string(s) + "')";
    else return bad;
    total += (whole + frac) * mult;
    if (total > 1e18L) return "is too long (got '" + std::string(s) + "')";
  }
  if (total < 1) return "must be longer than zero (got '" + std::string(s) + "')";
  *out = std::chrono::nanoseconds(static_cast<std::int64_t>(total));
  return {};
}

std::string parse_bytes(std::string_view s, std::int64_t* out) {
  if (s.empty()) return "is empty";
  if (!gort::gc::parse_byte_count(std::string(s).c_str(), out))
    return "must be a byte count such as 512MiB, 2GiB or 1048576 (got '" + std::string(s) + "')";
  return {};
}

std::string format_bytes(double b) {
  char buf[32];
  if (b >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024) std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  else if (b >= 1024.0) std::snprintf(buf, sizeof buf, "%.0f KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

std::string format_ns(std::int64_t ns) {
  char buf[32];
  if (ns >= 1000000000) std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(ns) / 1e9);
  else if (ns >= 1000000) std::snprintf(buf, sizeof buf, "%.2fms", static_cast<double>(ns) / 1e6);
  else if (ns >= 1000) std::snprintf(buf, sizeof buf, "%.0fus", static_cast<double>(ns) / 1e3);
  else std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  return buf;
}

}  // namespace stress
