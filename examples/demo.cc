// examples/demo.cc — gort-demo, the scheduler demo (the main job of scripts/demo.sh).
//
// A tour of what the runtime does, with numbers:
//   1. fan-out: 10,000 goroutines doing CPU work, and the OS threads they ran on
//   2. a three-stage channel pipeline over 1,000,000 values
//   3. select: a timeout with gort::after, a default case, fairness among ready cases
//   4. skynet: a 1,000,000-leaf spawn tree (1,111,111 goroutines), time and peak RSS
//
// Uses only the public API (gort/gort.h). GOMAXPROCS=N in the environment sets
// the number of Ps. There is no public "current P" call, so the fan-out counts
// the OS threads (Ms) goroutines ran on: an M runs goroutines only while it
// holds a P, so spread over threads is spread over Ps.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gort/gort.h"

namespace {

using std::int64_t;
using namespace std::chrono_literals;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// 1234567 -> "1,234,567"
std::string commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; i++) {
    out += digits[i];
    if ((n - i - 1) % 3 == 0 && i != n - 1) out += ',';
  }
  return v < 0 ? "-" + out : out;
}

// A field from /proc/self/status in KiB (VmHWM: peak RSS, VmRSS: current RSS).
int64_t proc_status_kib(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  int64_t kib = -1;
  const std::size_t len = std::strlen(field);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, field, len) == 0 && line[len] == ':') {
      kib = std::strtoll(line + len + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kib;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so the next peak is one
// phase's own. Returns false if the kernel refused.
bool reset_peak_rss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  bool ok = std::fputs("5", f) >= 0;
  ok = (std::fclose(f) == 0) && ok;
  return ok;
}

void section(const char* title) { std::printf("\n%s\n", title); }

// ---- 1. fan-out ---------------------------------------------------------------

// Plain C++ work with no safepoint in it: xorshift rounds.
[[gnu::noinline]] std::uint64_t spin(std::uint64_t x, int rounds) {
  for (int i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

struct FanOut {
  int64_t wall_ns = 0;
  int64_t cpu_ns = 0;     // sum of the goroutines' own work time
  int64_t min_goid = 0, max_goid = 0;
  int threads = 0;        // distinct OS threads goroutines ran on
  int64_t moved = 0;      // goroutines that resumed on another thread after yield()
  struct Thread {
    pid_t tid;
    int64_t started = 0;  // first halves (before the yield) run on this thread
    int64_t resumed = 0;  // second halves (after the yield) run on this thread
    int64_t work_ns = 0;  // CPU work done on this thread
  };
  std::vector<Thread> per_thread;  // most work first
};

FanOut fan_out(int n, int rounds) {
  struct Sample {
    int64_t goid;
    pid_t tid_before, tid_after;
    int64_t work_before_ns, work_after_ns;
    std::uint64_t sink;
  };
  std::vector<Sample> samples(static_cast<std::size_t>(n));
  gort::WaitGroup wg;
  wg.add(n);
  const int64_t t0 = now_ns();
  for (int i = 0; i < n; i++) {
    gort::go([&samples, &wg, i, rounds] {
      Sample& s = samples[static_cast<std::size_t>(i)];
      s.goid = gort::goid();
      s.tid_before = gettid();
      int64_t a = now_ns();
      s.sink = spin(static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull + 1, rounds / 2);
      s.work_before_ns = now_ns() - a;
      gort::yield();  // a safepoint: the goroutine may be resumed by another thread
      s.tid_after = gettid();
      a = now_ns();
      s.sink ^= spin(s.sink | 1, rounds - rounds / 2);
      s.work_after_ns = now_ns() - a;
      wg.done();
    });
  }
  wg.wait();
  FanOut r;
  r.wall_ns = now_ns() - t0;

  std::map<pid_t, FanOut::Thread> by_tid;
  r.min_goid = samples[0].goid;
  r.max_goid = samples[0].goid;
  for (const Sample& s : samples) {
    r.cpu_ns += s.work_before_ns + s.work_after_ns;
    r.min_goid = std::min(r.min_goid, s.goid);
    r.max_goid = std::max(r.max_goid, s.goid);
    FanOut::Thread& before = by_tid[s.tid_before];
    before.started++;
    before.work_ns += s.work_before_ns;
    FanOut::Thread& after = by_tid[s.tid_after];
    after.resumed++;
    after.work_ns += s.work_after_ns;
    if (s.tid_after != s.tid_before) r.moved++;
  }
  r.threads = static_cast<int>(by_tid.size());
  for (auto& [tid, t] : by_tid) {
    t.tid = tid;
    r.per_thread.push_back(t);
  }
  std::sort(r.per_thread.begin(), r.per_thread.end(),
            [](const auto& a, const auto& b) { return a.work_ns > b.work_ns; });
  return r;
}

void demo_fan_out() {
  constexpr int kGoroutines = 10000;
  constexpr int kRounds = 8000;
  section("1. fan-out: 10,000 goroutines of CPU work, yield() halfway through each");

  const int procs = gort::gomaxprocs();
  std::vector<std::pair<int, FanOut>> runs;
  runs.emplace_back(procs, fan_out(kGoroutines, kRounds));
  if (procs > 1) {
    gort::set_gomaxprocs(1);
    runs.emplace_back(1, fan_out(kGoroutines, kRounds));
    gort::set_gomaxprocs(procs);
  }

  std::printf("   %-10s  %10s  %10s  %8s  %7s  %14s  %s\n", "GOMAXPROCS", "wall", "work",
              "speed-up", "threads", "moved at yield", "goroutine ids");
  for (const auto& [p, r] : runs) {
    std::printf("   %-10d  %7.1f ms  %7.1f ms  %7.2fx  %7d  %14s  %s..%s\n", p, ms(r.wall_ns),
                ms(r.cpu_ns), static_cast<double>(r.cpu_ns) / static_cast<double>(r.wall_ns),
                r.threads, commas(r.moved).c_str(), commas(r.min_goid).c_str(),
                commas(r.max_goid).c_str());
  }

  const FanOut& r = runs.front().second;
  std::printf("   how the work spread over OS threads at GOMAXPROCS=%d:\n", procs);
  std::printf("   %-12s  %9s  %9s  %10s  %6s\n", "OS thread", "started", "resumed", "CPU work",
              "share");
  constexpr std::size_t kShow = 8;
  FanOut::Thread rest{};
  std::size_t rest_threads = 0;
  auto share_of = [&](int64_t ns) {
    return 100.0 * static_cast<double>(ns) / static_cast<double>(std::max<int64_t>(r.cpu_ns, 1));
  };
  for (std::size_t i = 0; i < r.per_thread.size(); i++) {
    const FanOut::Thread& t = r.per_thread[i];
    if (i >= kShow) {
      rest.started += t.started;
      rest.resumed += t.resumed;
      rest.work_ns += t.work_ns;
      rest_threads++;
      continue;
    }
    const double share = share_of(t.work_ns);
    std::string bar(static_cast<std::size_t>(share * 0.4 + 0.5), '#');
    std::printf("   tid %-8d  %9s  %9s  %7.1f ms  %5.1f%%  %s\n", static_cast<int>(t.tid),
                commas(t.started).c_str(), commas(t.resumed).c_str(), ms(t.work_ns), share,
                bar.c_str());
  }
  if (rest_threads > 0) {
    std::printf("   %-12s  %9s  %9s  %7.1f ms  %5.1f%%\n",
                ("+" + std::to_string(rest_threads) + " more").c_str(),
                commas(rest.started).c_str(), commas(rest.resumed).c_str(), ms(rest.work_ns),
                share_of(rest.work_ns));
  }
}

// ---- 2. channel pipeline ------------------------------------------------------

struct PipeResult {
  int64_t ns;
  int64_t sum;
};

// generate -> square -> sum, each stage its own goroutine, connected by two
// channels of capacity `cap`; the sum goroutine reports on a third channel.
PipeResult pipeline(int64_t n, int64_t cap) {
  const int64_t t0 = now_ns();
  auto nums = gort::make_chan<int64_t>(cap);
  auto squares = gort::make_chan<int64_t>(cap);
  auto total = gort::make_chan<int64_t>();
  gort::go([nums, n] {
    for (int64_t i = 1; i <= n; i++) nums.send(i);
    nums.close();
  });
  gort::go([nums, squares] {
    for (int64_t v : nums) squares.send(v * v);
    squares.close();
  });
  gort::go([squares, total] {
    int64_t sum = 0;
    for (int64_t v : squares) sum += v;
    total.send(sum);
  });
  const int64_t sum = total.recv();
  return {now_ns() - t0, sum};
}

void demo_pipeline() {
  constexpr int64_t n = 1000000;
  const int64_t want = n * (n + 1) / 2 * (2 * n + 1) / 3;  // sum of i*i for i in 1..n
  section("2. channel pipeline: generate -> square -> sum, 1,000,000 values, 3 goroutines");
  std::printf("   %-10s  %10s  %12s  %9s  %s\n", "channels", "time", "values/s", "ns/value",
              "sum of squares");
  bool all_ok = true;
  for (int64_t cap : {int64_t{0}, int64_t{16}, int64_t{256}}) {
    const PipeResult r = pipeline(n, cap);
    const bool ok = r.sum == want;
    all_ok = all_ok && ok;
    std::string label = cap == 0 ? std::string("unbuffered") : "cap " + std::to_string(cap);
    std::printf("   %-10s  %7.1f ms  %10.2f M  %9.1f  %s %s\n", label.c_str(), ms(r.ns),
                static_cast<double>(n) / (static_cast<double>(r.ns) / 1e9) / 1e6,
                static_cast<double>(r.ns) / static_cast<double>(n), commas(r.sum).c_str(),
                ok ? "ok" : "WRONG");
  }
  if (!all_ok) std::printf("   expected sum %s\n", commas(want).c_str());
}

// ---- 3. select ------------------------------------------------------------------

// A reply that arrives after `delay` on a channel of its own (buffered, so a
// late reply never blocks its sender).
gort::Chan<int> reply_after(std::chrono::milliseconds delay, int value) {
  auto c = gort::make_chan<int>(1);
  gort::go([c, delay, value] {
    gort::sleep(delay);
    c.send(value);
  });
  return c;
}

void demo_select() {
  section("3. select");
  std::printf("   %-44s  %-10s  %s\n", "case", "outcome", "after");

  auto wait_for = [](int reply_ms, int timeout_ms) {
    auto replies = reply_after(std::chrono::milliseconds(reply_ms), 42);
    std::string outcome;
    const int64_t t0 = now_ns();
    gort::select(
        gort::case_recv(replies, [&](int v) { outcome = "reply " + std::to_string(v); }),
        gort::case_recv(gort::after(std::chrono::milliseconds(timeout_ms)),
                        [&] { outcome = "timeout"; }));
    const int64_t el = now_ns() - t0;
    char what[64];
    std::snprintf(what, sizeof what, "reply due in %d ms, gort::after(%d ms)", reply_ms,
                  timeout_ms);
    std::printf("   %-44s  %-10s  %6.1f ms\n", what, outcome.c_str(), ms(el));
  };
  wait_for(50, 10);
  wait_for(5, 100);

  {
    auto never = gort::make_chan<int>();
    std::string outcome;
    const int64_t t0 = now_ns();
    gort::select(gort::case_recv(never, [&] { outcome = "received"; }),
                 gort::case_default([&] { outcome = "default"; }));
    std::printf("   %-44s  %-10s  %6.1f ms\n", "nothing ready, with a default case",
                outcome.c_str(), ms(now_ns() - t0));
  }

  {
    // Closed channels are always ready to receive: select must pick uniformly.
    constexpr int kRounds = 30000;
    auto a = gort::make_chan<int>(), b = gort::make_chan<int>(), c = gort::make_chan<int>();
    a.close();
    b.close();
    c.close();
    int64_t hits[3] = {0, 0, 0};
    for (int i = 0; i < kRounds; i++) {
      hits[gort::select(gort::case_recv(a), gort::case_recv(b), gort::case_recv(c))]++;
    }
    std::printf("   %-44s  %s / %s / %s\n", "3 ready channels, 30,000 selects: picks",
                commas(hits[0]).c_str(), commas(hits[1]).c_str(), commas(hits[2]).c_str());
  }
}

// ---- 4. skynet ------------------------------------------------------------------

// Every node spawns `div` children until `size` == 1; leaves send their
// number, inner nodes send the sum of what their children sent.
void skynet(const gort::Chan<int64_t>& out, int64_t num, int64_t size, int64_t div) {
  if (size == 1) {
    out.send(num);
    return;
  }
  auto rc = gort::make_chan<int64_t>(div);
  for (int64_t i = 0; i < div; i++) {
    const int64_t sub = num + i * (size / div);
    gort::go([rc, sub, size, div] { skynet(rc, sub, size / div, div); });
  }
  int64_t sum = 0;
  for (int64_t i = 0; i < div; i++) sum += rc.recv();
  out.send(sum);
}

void demo_skynet() {
  constexpr int64_t leaves = 1000000, div = 10;
  constexpr int64_t spawned = 1111111;  // 1 + 10 + 100 + ... + 1,000,000
  section("4. skynet: a 10-way spawn tree with 1,000,000 leaves (1,111,111 goroutines)");
  const bool reset = reset_peak_rss();
  const int64_t rss_before = proc_status_kib("VmRSS");
  const int64_t t0 = now_ns();
  auto out = gort::make_chan<int64_t>();
  gort::go([out] { skynet(out, 0, leaves, div); });
  const int64_t sum = out.recv();
  const int64_t el = now_ns() - t0;
  const int64_t peak = proc_status_kib("VmHWM");
  const int64_t want = leaves * (leaves - 1) / 2;
  std::printf("   %-16s %s %s\n", "sum", commas(sum).c_str(), sum == want ? "ok" : "WRONG");
  std::printf("   %-16s %.1f ms  (%.0f ns per goroutine spawned and finished)\n", "time", ms(el),
              static_cast<double>(el) / spawned);
  std::printf("   %-16s %.1f MiB%s  (RSS before: %.1f MiB)\n", "peak RSS", peak / 1024.0,
              reset ? "" : " for the whole process", rss_before / 1024.0);
  std::printf("   %-16s %s\n", "goroutines now", commas(gort::num_goroutine()).c_str());
}

}  // namespace

int main() {
  return gort::run([] {
    const char* env = std::getenv("GOMAXPROCS");
    std::printf("gort scheduler demo\n");
    std::printf("   %-16s %u\n", "CPUs", std::thread::hardware_concurrency());
    std::printf("   %-16s %d%s\n", "GOMAXPROCS", gort::gomaxprocs(),
                env != nullptr ? (std::string("  (from the environment: ") + env + ")").c_str()
                               : "  (default: the number of CPUs; set GOMAXPROCS=N to change)");
    std::printf("   %-16s %d, one per GOMAXPROCS; a thread (M) needs one to run goroutines\n",
                "Ps", gort::gomaxprocs());
    std::printf("   %-16s %lld (main)\n", "goroutine id", static_cast<long long>(gort::goid()));

    const int64_t t0 = now_ns();
    demo_fan_out();
    demo_pipeline();
    demo_select();
    demo_skynet();
    std::printf("\ndone in %.2f s\n", static_cast<double>(now_ns() - t0) / 1e9);
    return 0;
  });
}
