// stress/report.h — the --report page: one self-contained HTML file (inline
// CSS and SVG; no script, font, image or stylesheet from anywhere else) with
//  1. heap in use and heap goal over time, each GC cycle's end marked;
//  2. the pauses over time (each cycle's stop-the-world time at its end);
//  3. a histogram of the pauses (1-2-5 log buckets);
//  4. GC CPU over time (per sampling interval, derived from
//     MemStats.gc_cpu_fraction; monitor.h says how);
//  5. the summary table (summary_rows, the same figures as the text table
//     and the JSON) and the run's configuration.
// Each chart's caption says what it shows and its limits. The page is
// well-formed XML (XHTML syntax in an HTML5 document) so that tests can parse
// it strictly. stress/README.md describes the charts.
#pragma once

#include <chrono>
#include <string>

#include "series.h"
#include "summary.h"

namespace stress {

// The whole page. `started` is the wall-clock time the monitor started.
std::string report_html(const Summary& s, const Series& series, std::chrono::system_clock::time_point started);

}  // namespace stress
