// stress/series.cc — see series.h.
#include "series.h"

#include <algorithm>

namespace stress {

std::int64_t PauseHistogram::edge(std::size_t i) {
  static const std::int64_t kMant[3] = {1, 2, 5};
  std::int64_t p = 100;  // the first edge is 100 ns
  for (std::size_t k = 0; k < i / 3; k++) p *= 10;
  return kMant[i % 3] * p;
}

std::size_t PauseHistogram::bucket(std::int64_t ns) {
  std::size_t b = 0;
  while (b < kEdges && ns >= edge(b)) b++;
  return b;
}

std::uint64_t PauseHistogram::total() const {
  std::uint64_t n = 0;
  for (auto c : counts_) n += c;
  return n;
}

Series::Series(std::size_t max_samples, std::size_t max_pauses)
    : max_samples_(std::max<std::size_t>(max_samples, 2)), max_pauses_(std::max<std::size_t>(max_pauses, 2)) {
  samples_.reserve(max_samples_);
  pauses_.reserve(max_pauses_);
}

namespace {

// b follows a in time: the merged point keeps b's time and cumulative figures.
HeapSample merge(const HeapSample& a, const HeapSample& b) {
  HeapSample m = b;
  m.heap_min = std::min(a.heap_min, b.heap_min);
  m.heap_max = std::max(a.heap_max, b.heap_max);
  return m;
}

const PauseRecord& longer(const PauseRecord& a, const PauseRecord& b) { return b.ns > a.ns ? b : a; }

}  // namespace

void Series::add_sample(const HeapSample& s) {
  if (raw_samples_ > 0) longest_gap_s_ = std::max(longest_gap_s_, s.t_s - last_t_s_);
  last_t_s_ = s.t_s;
  raw_samples_++;
  pending_sample_ = pending_samples_ == 0 ? s : merge(pending_sample_, s);
  if (++pending_samples_ < sample_stride_) return;
  samples_.push_back(pending_sample_);
  pending_samples_ = 0;
  if (samples_.size() < max_samples_) return;
  std::size_t n = samples_.size() / 2;
  for (std::size_t i = 0; i < n; i++) samples_[i] = merge(samples_[2 * i], samples_[2 * i + 1]);
  if (samples_.size() % 2 != 0) {  // an odd one out stays whole
    samples_[n] = samples_.back();
    n++;
  }
  samples_.resize(n);
  sample_stride_ *= 2;
}

std::vector<HeapSample> Series::samples() const {
  std::vector<HeapSample> v = samples_;
  if (pending_samples_ > 0) v.push_back(pending_sample_);
  return v;
}

void Series::add_pause(const PauseRecord& p) {
  pauses_seen_++;
  histogram_.add(p.ns);
  pending_pause_ = pending_pauses_ == 0 ? p : longer(pending_pause_, p);
  if (++pending_pauses_ < pause_stride_) return;
  pauses_.push_back(pending_pause_);
  pending_pauses_ = 0;
  if (pauses_.size() < max_pauses_) return;
  std::size_t n = pauses_.size() / 2;
  for (std::size_t i = 0; i < n; i++) pauses_[i] = longer(pauses_[2 * i], pauses_[2 * i + 1]);
  if (pauses_.size() % 2 != 0) {
    pauses_[n] = pauses_.back();
    n++;
  }
  pauses_.resize(n);
  pause_stride_ *= 2;
}

std::vector<PauseRecord> Series::pauses() const {
  std::vector<PauseRecord> v = pauses_;
  if (pending_pauses_ > 0) v.push_back(pending_pause_);
  return v;
}

}  // namespace stress
