// stress/series.h — what gort-stress records over a run for --report: the
// heap samples (every 200 ms), every GC cycle's pause with its end time, and
// a histogram of all the pauses seen.
//
// Memory stays bounded however long the run:
//  * Samples: at most kMaxSamples points. When the buffer is full, adjacent
//    pairs are merged (halving it) and from then on each point merges twice
//    as many raw samples as before (the "stride": 1, 2, 4, ... raw samples
//    per point). A merged point keeps the time, heap goal and cumulative
//    figures (GC CPU, allocation) of its last raw sample, which is exact for
//    cumulative figures, and the minimum and maximum heap in use of all its
//    raw samples, so no peak is lost (the chart draws the band between them).
//  * Pauses: at most kMaxPauses kept for the timeline. When full, adjacent
//    pairs are merged keeping the longer pause (its cycle and end time), and
//    later pauses are kept one in `stride` likewise, so the worst pauses stay
//    visible. The histogram counts every pause seen, in fixed buckets.
//  * Pauses missed (more than 256 cycles between two reads of gort's pause
//    ring) are only counted.
// Not thread-safe: the monitor goroutine writes it; it is read after the
// monitor stopped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace stress {

struct HeapSample {
  double t_s = 0;                     // seconds since the monitor started
  std::uint64_t heap_min = 0;         // heap in use (MemStats.heap_alloc), the smallest merged here
  std::uint64_t heap_max = 0;         // ... and the largest
  std::uint64_t goal = 0;             // heap goal (MemStats.next_gc); 0 when GC is off
  double gc_cpu_ns = 0;               // GC CPU time since gort booted, cumulative (see monitor.h)
  std::uint64_t total_alloc = 0;      // bytes allocated since gort booted, cumulative
  int procs = 0;                      // GOMAXPROCS when sampled
};

struct PauseRecord {
  std::uint64_t cycle = 0;  // gort's cycle number (MemStats.num_gc after it ended)
  double end_s = 0;         // end time, seconds since the monitor started
  std::int64_t ns = 0;      // the cycle's stop-the-world time
};

// Log-scaled buckets with 1-2-5 edges: [0, 100ns), [100ns, 200ns),
// [200ns, 500ns), [500ns, 1µs), ..., [50s, 100s), [100s, inf).
class PauseHistogram {
 public:
  static constexpr std::size_t kEdges = 28;  // 100ns .. 100s
  static constexpr std::size_t kBuckets = kEdges + 1;
  // Bucket b covers [edge(b-1), edge(b)); edge(-1) is 0 and edge(kEdges) infinity.
  static std::int64_t edge(std::size_t i);
  static std::size_t bucket(std::int64_t ns);
  void add(std::int64_t ns) { counts_[bucket(ns)]++; }
  std::uint64_t count(std::size_t b) const { return counts_[b]; }
  std::uint64_t total() const;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
};

class Series {
 public:
  static constexpr std::size_t kMaxSamples = 2048;
  static constexpr std::size_t kMaxPauses = 8192;

  Series(std::size_t max_samples = kMaxSamples, std::size_t max_pauses = kMaxPauses);

  void add_sample(const HeapSample& s);   // one raw sample (heap_min == heap_max)
  void add_pause(const PauseRecord& p);
  void add_missed_pauses(std::uint64_t n) { missed_pauses_ += n; }

  // The points to draw: the stored ones plus the partly merged last one.
  std::vector<HeapSample> samples() const;
  std::vector<PauseRecord> pauses() const;
  std::size_t sample_stride() const { return sample_stride_; }
  std::size_t pause_stride() const { return pause_stride_; }
  std::uint64_t raw_samples() const { return raw_samples_; }
  double longest_gap_s() const { return longest_gap_s_; }  // between two raw samples
  std::uint64_t pauses_seen() const { return pauses_seen_; }
  std::uint64_t missed_pauses() const { return missed_pauses_; }
  const PauseHistogram& histogram() const { return histogram_; }

 private:
  std::size_t max_samples_, max_pauses_;
  std::vector<HeapSample> samples_;
  HeapSample pending_sample_;
  std::size_t pending_samples_ = 0;  // raw samples merged into pending_sample_
  std::size_t sample_stride_ = 1;
  std::uint64_t raw_samples_ = 0;
  double last_t_s_ = 0;
  double longest_gap_s_ = 0;

  std::vector<PauseRecord> pauses_;
  PauseRecord pending_pause_;
  std::size_t pending_pauses_ = 0;
  std::size_t pause_stride_ = 1;
  std::uint64_t pauses_seen_ = 0;
  std::uint64_t missed_pauses_ = 0;
  PauseHistogram histogram_;
};

}  // namespace stress
