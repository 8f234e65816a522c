// tests/stress_tool_series_test.cc — gort-stress's report building blocks
// that need no run: the bounded time series (stress/series.h: thinning keeps
// the peaks, the last sample, cumulative figures and the longest pauses; the
// histogram counts every pause) and the chart primitives' arithmetic
// (stress/svg.h: nice ticks cover the data, labels, escaping).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "stress/series.h"
#include "stress/svg.h"

namespace {

using stress::HeapSample;
using stress::PauseHistogram;
using stress::PauseRecord;
using stress::Series;

HeapSample sample(int i) {
  HeapSample s;
  s.t_s = 0.2 * i;
  // A saw-tooth with one tall peak at i == 137.
  s.heap_min = s.heap_max = i == 137 ? 1000000 : static_cast<std::uint64_t>(1000 + (i * 37) % 500);
  s.goal = 2000 + static_cast<std::uint64_t>(i);
  s.gc_cpu_ns = 1000.0 * i;
  s.total_alloc = 4096 * static_cast<std::uint64_t>(i);
  s.procs = 2;
  return s;
}

TEST(StressSeries, SamplesStayBoundedAndKeepPeaksAndCumulativeFigures) {
  Series s(/*max_samples=*/16, /*max_pauses=*/16);
  const int n = 1000;
  for (int i = 0; i < n; i++) s.add_sample(sample(i));
  auto pts = s.samples();
  EXPECT_LE(pts.size(), 16u + 1);  // the stored points and the partly merged last
  EXPECT_GE(pts.size(), 8u);
  EXPECT_EQ(s.raw_samples(), static_cast<std::uint64_t>(n));
  EXPECT_GT(s.sample_stride(), 1u);
  EXPECT_EQ(s.sample_stride() & (s.sample_stride() - 1), 0u) << "stride " << s.sample_stride();
  std::uint64_t top = 0, bottom = UINT64_MAX;
  for (const auto& p : pts) {
    top = std::max(top, p.heap_max);
    bottom = std::min(bottom, p.heap_min);
    EXPECT_LE(p.heap_min, p.heap_max);
  }
  EXPECT_EQ(top, 1000000u) << "the peak was lost in the thinning";
  EXPECT_EQ(bottom, 1000u);
  // The last point is the last sample's time and cumulative figures.
  EXPECT_DOUBLE_EQ(pts.back().t_s, sample(n - 1).t_s);
  EXPECT_DOUBLE_EQ(pts.back().gc_cpu_ns, sample(n - 1).gc_cpu_ns);
  EXPECT_EQ(pts.back().total_alloc, sample(n - 1).total_alloc);
  for (std::size_t i = 1; i < pts.size(); i++) EXPECT_LT(pts[i - 1].t_s, pts[i].t_s);
  EXPECT_NEAR(s.longest_gap_s(), 0.2, 1e-9);
}

TEST(StressSeries, FewSamplesAreKeptAsTheyCame) {
  Series s(16, 16);
  for (int i = 0; i < 10; i++) s.add_sample(sample(i));
  auto pts = s.samples();
  ASSERT_EQ(pts.size(), 10u);
  EXPECT_EQ(s.sample_stride(), 1u);
  for (int i = 0; i < 10; i++) EXPECT_EQ(pts[static_cast<std::size_t>(i)].heap_max, sample(i).heap_max);
}

TEST(StressSeries, PausesKeepTheLongestWhenThinnedAndTheHistogramCountsAll) {
  Series s(16, /*max_pauses=*/8);
  const int n = 300;
  for (int i = 0; i < n; i++) {
    PauseRecord p;
    p.cycle = static_cast<std::uint64_t>(i + 1);
    p.end_s = 0.01 * i;
    p.ns = i == 201 ? 50'000'000 : 10'000 + i;  // one 50 ms pause among ~10 µs ones
    s.add_pause(p);
  }
  s.add_missed_pauses(3);
  auto kept = s.pauses();
  EXPECT_LE(kept.size(), 8u + 1);
  EXPECT_EQ(s.pauses_seen(), static_cast<std::uint64_t>(n));
  EXPECT_EQ(s.missed_pauses(), 3u);
  EXPECT_EQ(s.histogram().total(), static_cast<std::uint64_t>(n));
  bool found = false;
  for (const auto& p : kept) found |= p.cycle == 202 && p.ns == 50'000'000;
  EXPECT_TRUE(found) << "the longest pause was thinned away";
  EXPECT_EQ(s.histogram().count(PauseHistogram::bucket(50'000'000)), 1u);
}

TEST(StressSeries, HistogramBucketsHave125Edges) {
  EXPECT_EQ(PauseHistogram::edge(0), 100);
  EXPECT_EQ(PauseHistogram::edge(1), 200);
  EXPECT_EQ(PauseHistogram::edge(2), 500);
  EXPECT_EQ(PauseHistogram::edge(3), 1000);
  EXPECT_EQ(PauseHistogram::edge(PauseHistogram::kEdges - 1), 100'000'000'000);
  EXPECT_EQ(PauseHistogram::bucket(0), 0u);
  EXPECT_EQ(PauseHistogram::bucket(99), 0u);
  EXPECT_EQ(PauseHistogram::bucket(100), 1u);
  EXPECT_EQ(PauseHistogram::bucket(199), 1u);
  EXPECT_EQ(PauseHistogram::bucket(200), 2u);
  EXPECT_EQ(PauseHistogram::bucket(1000), 4u);
  EXPECT_EQ(PauseHistogram::bucket(INT64_MAX), PauseHistogram::kEdges);
}

TEST(StressSvg, NiceTicksCoverTheDataWithRoundSteps) {
  auto t = stress::svg::nice_ticks(0, 20.2, 10);
  ASSERT_GE(t.size(), 2u);
  EXPECT_EQ(t.front(), 0);
  EXPECT_GE(t.back(), 20.2);
  EXPECT_DOUBLE_EQ(t[1] - t[0], 2);
  t = stress::svg::nice_ticks(0.13, 0.87, 5);
  EXPECT_LE(t.front(), 0.13);
  EXPECT_GE(t.back(), 0.87);
  EXPECT_NEAR(t[1] - t[0], 0.2, 1e-12);
  t = stress::svg::nice_ticks(5, 5, 5);  // a flat series still gets an axis
  EXPECT_GE(t.size(), 2u);
  EXPECT_EQ(stress::svg::format_tick(0.4, 0.2), "0.4");
  EXPECT_EQ(stress::svg::format_tick(250, 50), "250");
  EXPECT_EQ(stress::svg::escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
}

}  // namespace
