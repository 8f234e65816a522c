// fuzz/env_fuzz.cc — the environment parsers against Go's rules.
//
// The first byte picks a parser; the rest, up to the first NUL (an
// environment value cannot hold one), is the value. Each parser's result is
// compared with a model written from Go's runtime source (internal/runtime/
// strconv.Atoi64 and friends, readGOGC, parseByteCount, setTraceback,
// GOMAXPROCS in schedinit); see fuzz/README.md for the known divergences,
// which are counted, not failed, unless FUZZ_ENV_STRICT=1.
// These parsers are pure functions: this target does not boot the runtime.
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "fuzz/check.h"
#include "gc/collector.h"
#include "gort/gc.h"
#include "runtime/env.h"
#include "runtime/traceback.h"

namespace gort::gc {
void fuzz_parse_godebug(const char* s, Settings& st);
int fuzz_parse_gogc(const char* s);
}  // namespace gort::gc

namespace {

// Go's internal/runtime/strconv.Atoi64: optional '-', digits; "-" alone is 0.
std::optional<std::int64_t> go_atoi64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  unsigned __int128 un = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    un = un * 10 + static_cast<unsigned>(c - '0');
    if (un > (static_cast<unsigned __int128>(1) << 64)) return std::nullopt;
  }
  if (!neg && un > static_cast<unsigned __int128>(INT64_MAX)) return std::nullopt;
  if (neg && un > static_cast<unsigned __int128>(INT64_MAX) + 1) return std::nullopt;
  return neg ? static_cast<std::int64_t>(-static_cast<__int128>(un)) : static_cast<std::int64_t>(un);
}

std::optional<std::int32_t> go_atoi32(std::string_view s) {
  auto n = go_atoi64(s);
  if (!n || *n < INT32_MIN || *n > INT32_MAX) return std::nullopt;
  return static_cast<std::int32_t>(*n);
}

// Go's parseByteCount (runtime/string.go).
std::optional<std::int64_t> go_parse_byte_count(std::string_view s) {
  if (s.empty()) return std::nullopt;
  char last = s.back();
  if (last >= '0' && last <= '9') {
    auto n = go_atoi64(s);
    if (!n || *n < 0) return std::nullopt;
    return n;
  }
  if (last != 'B' || s.size() < 2) return std::nullopt;
  char c = s[s.size() - 2];
  if (c >= '0' && c <= '9') {
    auto n = go_atoi64(s.substr(0, s.size() - 1));
    if (!n || *n < 0) return std::nullopt;
    return n;
  }
  if (c != 'i' || s.size() < 4) return std::nullopt;
  int power;
  switch (s[s.size() - 3]) {
    case 'K': power = 1; break;
    case 'M': power = 2; break;
    case 'G': power = 3; break;
    case 'T': power = 4; break;
    default: return std::nullopt;
  }
  std::uint64_t m = 1;
  for (int i = 0; i < power; i++) m *= 1024;
  auto n = go_atoi64(s.substr(0, s.size() - 3));
  if (!n || *n < 0) return std::nullopt;
  std::uint64_t un = static_cast<std::uint64_t>(*n);
  if (un > UINT64_MAX / m) return std::nullopt;
  un *= m;
  if (un > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(un);
}

// A value whose sign Go's Atoi64 reads differently from gort: "-" alone, or
// "-0...". Counted as a known divergence (fuzz/README.md).
bool sign_quirk(std::string_view digits) {
  if (digits.empty() || digits[0] != '-') return false;
  digits.remove_prefix(1);
  for (char c : digits) if (c != '0') return false;
  return true;
}

std::uint64_t g_divergences = 0;
bool strict() {
  static bool s = std::getenv("FUZZ_ENV_STRICT") != nullptr;
  return s;
}
void divergence(const char* what, const std::string& v) {
  if (strict()) FUZZ_CHECK(false, "%s: known divergence from Go for \"%s\"", what, v.c_str());
  if (g_divergences++ == 0) std::fprintf(stderr, "env_fuzz: first known divergence (%s): \"%s\"\n", what, v.c_str());
}

void check_gomaxprocs(const std::string& v) {
  auto a = gort::runtime::atoi32(v);
  auto want = go_atoi32(v);
  if (v == "-") {
    // Go: 0; gort: malformed. Either way GOMAXPROCS ignores it (n > 0 only).
  } else {
    FUZZ_CHECK(a.has_value() == want.has_value() && (!a || *a == *want), "atoi32(\"%s\")", v.c_str());
  }
  for (std::int32_t ncpu : {1, 2, 64, 5000}) {
    std::int32_t got = gort::runtime::gomaxprocs_from_env(v.c_str(), ncpu);
    std::int32_t exp = want && *want > 0 ? *want : ncpu;  // 0, negative, text: ignored
    if (exp > 1024) exp = 1024;                           // gort's cap on Ps
    FUZZ_CHECK(got == exp, "GOMAXPROCS=\"%s\" ncpu %d: got %d, want %d", v.c_str(), ncpu, got, exp);
  }
}

void check_gogc(const std::string& v) {
  int got = gort::gc::fuzz_parse_gogc(v.c_str());
  int want = 100;  // readGOGC: "off" → -1; a number → it (setGCPercent: negative → -1); else 100
  if (v == "off") want = -1;
  else if (auto n = go_atoi32(v)) want = *n < 0 ? -1 : *n;
  if (got != want && sign_quirk(v)) return divergence("GOGC", v);
  FUZZ_CHECK(got == want, "GOGC=\"%s\": got %d, want %d", v.c_str(), got, want);
}

void check_gomemlimit(const std::string& v) {
  std::int64_t got = -1;
  bool ok = gort::gc::parse_byte_count(v.c_str(), &got);
  auto want = go_parse_byte_count(v);
  if (ok != want.has_value()) {
    std::string_view digits(v);
    while (!digits.empty() && !(digits.back() >= '0' && digits.back() <= '9') && digits.back() != '-')
      digits.remove_suffix(1);
    if (sign_quirk(digits)) return divergence("GOMEMLIMIT", v);
  }
  FUZZ_CHECK(ok == want.has_value(), "GOMEMLIMIT=\"%s\": gort ok=%d, Go ok=%d", v.c_str(), ok, want.has_value());
  if (ok) {
    FUZZ_CHECK(got == *want && got >= 0, "GOMEMLIMIT=\"%s\": got %lld, want %lld", v.c_str(), (long long)got,
               (long long)*want);
  }
}

void check_gotraceback(const std::string& v) {
  auto t = gort::detail::parse_traceback(v.c_str());
  int level;
  bool all, crash = false;
  if (v.empty() || v == "single") level = 1, all = false;
  else if (v == "none") level = 0, all = false;
  else if (v == "all") level = 1, all = true;
  else if (v == "system") level = 2, all = true;
  else if (v == "crash") level = 2, all = true, crash = true;
  else {
    // setTraceback: any other value means all, at level atoi(v) if it fits a uint32.
    all = true;
    auto n = go_atoi64(v);
    level = n && *n >= 0 && *n <= UINT32_MAX ? static_cast<int>(*n > 255 ? 255 : *n) : 0;
  }
  FUZZ_CHECK(t.level == level && t.all == all && t.crash == crash, "GOTRACEBACK=\"%s\": got (%d,%d,%d), want (%d,%d,%d)",
             v.c_str(), t.level, t.all, t.crash, level, all, crash);
}

// GODEBUG: unknown keys and malformed values are ignored; a known key takes
// the last well-formed value. The model re-parses the list itself.
void check_godebug(const std::string& v) {
  gort::gc::Settings got;
  gort::gc::fuzz_parse_godebug(v.c_str(), got);
  gort::gc::Settings want;
  std::size_t p = 0;
  while (p <= v.size()) {
    std::size_t end = v.find(',', p);
    if (end == std::string::npos) end = v.size();
    std::string item = v.substr(p, end - p);
    std::size_t eq = item.find('=');
    if (eq != std::string::npos) {
      std::string key = item.substr(0, eq), val = item.substr(eq + 1);
      auto n = go_atoi64(val);
      // Go's parsedebugvars takes atoi32's values only ("-" alone is 0).
      if (n && *n <= INT32_MAX && *n >= INT32_MIN) {
        if (key == "gccheckmark") want.checkmark = *n != 0;
        else if (key == "gcstoptheworld") want.stoptheworld = *n != 0;
        else if (key == "gctrace") want.trace = static_cast<int>(*n);
        else if (key == "gcpoison") want.poison = *n != 0;
        else if (key == "gcstress") want.stress_every = *n > 0 ? *n : 0;
      }
    }
    p = end + 1;
  }
  FUZZ_CHECK(got.checkmark == want.checkmark && got.stoptheworld == want.stoptheworld && got.trace == want.trace &&
                 got.poison == want.poison && got.stress_every == want.stress_every,
             "GODEBUG=\"%s\": got (%d,%d,%d,%d,%lld), want (%d,%d,%d,%d,%lld)", v.c_str(), got.checkmark,
             got.stoptheworld, got.trace, got.poison, (long long)got.stress_every, want.checkmark, want.stoptheworld,
             want.trace, want.poison, (long long)want.stress_every);
  FUZZ_CHECK(got.stress_every >= 0, "GODEBUG gcstress negative");
}

void check_parse_size(const std::string& v) {
  // GORT_STACK_SIZE: digits with an optional K/M/G (either case), no overflow.
  auto got = gort::runtime::parse_size(v);
  std::string_view d(v);
  unsigned __int128 mult = 1;
  if (!d.empty()) {
    char c = d.back();
    if (c == 'K' || c == 'k') mult = 1024;
    if (c == 'M' || c == 'm') mult = 1024 * 1024;
    if (c == 'G' || c == 'g') mult = 1u << 30;
    if (mult != 1) d.remove_suffix(1);
  }
  bool ok = !d.empty();
  unsigned __int128 n = 0;
  for (char c : d) {
    if (c < '0' || c > '9' || n > SIZE_MAX) { ok = false; break; }
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (ok && n * mult > SIZE_MAX) ok = false;
  // gort's overflow test rejects the six values 18446744073709551610..SIZE_MAX
  // (a harmless divergence: GORT_STACK_SIZE stops at 1G).
  if (ok && !got && n * mult > SIZE_MAX - 6) return;
  FUZZ_CHECK(got.has_value() == ok, "parse_size(\"%s\"): got ok=%d, want %d", v.c_str(), got.has_value(), ok);
  if (ok) FUZZ_CHECK(*got == static_cast<std::size_t>(n * mult), "parse_size(\"%s\")", v.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string v(reinterpret_cast<const char*>(data) + 1, size - 1);
  v = v.substr(0, v.find('\0'));
  switch (data[0] % 6) {
    case 0: check_gomaxprocs(v); break;
    case 1: check_gogc(v); break;
    case 2: check_gomemlimit(v); break;
    case 3: check_gotraceback(v); break;
    case 4: check_godebug(v); break;
    case 5: check_parse_size(v); break;
  }
  return 0;
}
