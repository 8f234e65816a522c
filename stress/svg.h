// stress/svg.h — chart primitives for the --report page: an SVG chart with a
// plot area, linear scales, axes with "nice" ticks and unit titles, a legend,
// and the marks (polyline, polygon band, bars, vertical ticks) drawn in data
// coordinates.
//
// The output is an inline <svg> element (no xmlns attribute, no external
// reference; the page's inline CSS styles it through the class names given
// here), well-formed XML so the tests can parse the page with xml.etree.
// Marks may carry a <title> child, which browsers show on hover (no
// JavaScript). Nothing here knows about GC: report.cc builds the charts.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress::svg {

// Text and attribute values, escaped for XML (&, <, >, ").
std::string escape(std::string_view s);

// About `target` round tick values (1, 2 or 5 x 10^k apart) covering
// [lo, hi]; the first is <= lo and the last >= hi, so an axis drawn from the
// first to the last tick holds every value.
std::vector<double> nice_ticks(double lo, double hi, int target);
// A tick value as text with just the decimals its step needs ("0.5", "12").
std::string format_tick(double v, double step);

struct LegendItem {
  std::string label;
  std::string css_class;  // the mark's class, for its colour
  enum Kind { kLine, kDashed, kBox, kTick } kind = kLine;
};

class Chart {
 public:
  // width x height in user units; the <svg> scales to its container's width.
  Chart(std::string id, std::string title, int width, int height);

  void set_x(double lo, double hi);
  void set_y(double lo, double hi);
  double px(double x) const;  // data -> user units
  double py(double y) const;

  // Grid lines, tick marks and labels at `ticks` (data values), and the
  // axis title (with its unit), e.g. "time since start (s)".
  void x_axis(const std::vector<double>& ticks, const std::function<std::string(double)>& label,
              const std::string& title);
  void y_axis(const std::vector<double>& ticks, const std::function<std::string(double)>& label,
              const std::string& title);

  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& css_class);
  // A small circle at each point (where the samples are).
  void dots(const std::vector<std::pair<double, double>>& points, const std::string& css_class, double radius);
  // The area between lower and upper (same x values, in order).
  void band(const std::vector<std::pair<double, double>>& upper, const std::vector<std::pair<double, double>>& lower,
            const std::string& css_class);
  // A bar from (x0, y0) to (x1, y1) in data coordinates; tooltip may be empty.
  void bar(double x0, double x1, double y0, double y1, const std::string& css_class, const std::string& tooltip);
  // A vertical line at x from y0 to y1 (data), or, with pixel_height > 0,
  // from y0 up pixel_height user units (cycle ticks along the x axis). With
  // min_pixel_height > 0 the line is at least that tall (a 10 µs pause next
  // to a 5 ms one would otherwise draw as nothing).
  void vline(double x, double y0, double y1, const std::string& css_class, const std::string& tooltip,
             double pixel_height = 0, double min_pixel_height = 0);
  // Text at a point in data coordinates (anchor: start, middle, end).
  void label(double x, double y, const std::string& text, const std::string& css_class,
             const char* anchor = "middle", double dy = 0);
  // A line of text in the plot area's top-left corner (e.g. "GC off").
  void note(const std::string& text);
  void legend(const std::vector<LegendItem>& items);

  // The finished <svg> element.
  std::string str() const;

  // The plot area, in user units.
  static constexpr double kLeft = 72, kRight = 24, kTop = 36, kBottom = 48;

 private:
  std::string id_, title_;
  int width_, height_;
  double x0_ = 0, x1_ = 1, y0_ = 0, y1_ = 1;
  std::string grid_, marks_, axes_, overlay_;
};

}  // namespace stress::svg
