// stress/histogram.h — a latency histogram with bounded relative error.
//
// Values (nanoseconds) fall into log-linear buckets: 16 sub-buckets per power
// of two, so a quantile read back is within 1/16 (6.25%) of the true value;
// the maximum is kept exactly. Not thread-safe: each goroutine records into
// its own and they are merged at the end.
#pragma once

#include <array>
#include <cstdint>

namespace stress {

class Histogram {
 public:
  void record(std::uint64_t v) {
    counts_[index(v)]++;
    n_++;
    if (v > max_) max_ = v;
  }
  void merge(const Histogram& o) {
    for (std::size_t i = 0; i < counts_.size(); i++) counts_[i] += o.counts_[i];
    n_ += o.n_;
    if (o.max_ > max_) max_ = o.max_;
  }
  std::uint64_t count() const { return n_; }
  std::uint64_t max() const { return max_; }
  // The value below which a fraction q (0..1) of the samples lie (bucket's upper bound).
  std::uint64_t quantile(double q) const {
    if (n_ == 0) return 0;
    auto want = static_cast<std::uint64_t>(q * static_cast<double>(n_));
    if (want >= n_) want = n_ - 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); i++) {
      seen += counts_[i];
      if (seen > want) {
        std::uint64_t hi = upper(i);
        return hi < max_ ? hi : max_;
      }
    }
    return max_;
  }

 private:
  static constexpr int kSub = 4;  // 2^4 = 16 sub-buckets per power of two
  static std::size_t index(std::uint64_t v) {
    if (v < (1u << kSub)) return static_cast<std::size_t>(v);
    int msb = 63 - __builtin_clzll(v);
    std::uint64_t sub = (v >> (msb - kSub)) & ((1u << kSub) - 1);
    return static_cast<std::size_t>((msb - kSub + 1) << kSub) + sub;
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < (1u << kSub)) return i;
    int msb = static_cast<int>(i >> kSub) + kSub - 1;
    std::uint64_t sub = i & ((1u << kSub) - 1);
    return ((std::uint64_t{1} << kSub | sub) + 1) << (msb - kSub);
  }
  std::array<std::uint64_t, (64 - kSub + 1) << kSub> counts_{};
  std::uint64_t n_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace stress
