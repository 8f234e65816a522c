// stress/svg.cc — see svg.h.
#include "svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace stress::svg {

std::string escape(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      default: r += c;
    }
  }
  return r;
}

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double nice_step(double range, int target) {
  if (!(range > 0) || !std::isfinite(range)) return 1;
  double raw = range / std::max(target, 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / mag;
  // The round step nearest raw on a log scale (as d3's ticks do), so about
  // `target` ticks, a few more or fewer.
  double step = f >= 7.0710678 ? 10 : f >= 3.1622777 ? 5 : f >= 1.4142136 ? 2 : 1;
  return step * mag;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0, 1};
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) hi = lo + (lo == 0 ? 1 : std::fabs(lo) * 0.1);
  double step = nice_step(hi - lo, target);
  double first = std::floor(lo / step + 1e-9) * step;
  std::vector<double> t;
  for (int i = 0; i < 1000; i++) {
    double v = first + i * step;
    if (std::fabs(v) < step * 1e-9) v = 0;  // no "-0"
    t.push_back(v);
    if (v >= hi - step * 1e-9) break;
  }
  return t;
}

std::string format_tick(double v, double step) {
  int decimals = 0;
  if (step > 0 && step < 1) decimals = std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

Chart::Chart(std::string id, std::string title, int width, int height)
    : id_(std::move(id)), title_(std::move(title)), width_(width), height_(height) {}

void Chart::set_x(double lo, double hi) {
  x0_ = lo;
  x1_ = hi > lo ? hi : lo + 1;
}

void Chart::set_y(double lo, double hi) {
  y0_ = lo;
  y1_ = hi > lo ? hi : lo + 1;
}

double Chart::px(double x) const { return kLeft + (x - x0_) / (x1_ - x0_) * (width_ - kLeft - kRight); }
double Chart::py(double y) const { return height_ - kBottom - (y - y0_) / (y1_ - y0_) * (height_ - kTop - kBottom); }

void Chart::x_axis(const std::vector<double>& ticks, const std::function<std::string(double)>& label,
                   const std::string& title) {
  double ybase = height_ - kBottom;
  for (double t : ticks) {
    double x = px(t);
    grid_ += "<line class=\"grid\" x1=\"" + num(x) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(ybase) + "\"/>";
    axes_ += "<line class=\"tick\" x1=\"" + num(x) + "\" y1=\"" + num(ybase) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(ybase + 5) + "\"/>";
    axes_ += "<text class=\"tick-label\" x=\"" + num(x) + "\" y=\"" + num(ybase + 18) +
             "\" text-anchor=\"middle\">" + escape(label(t)) + "</text>";
  }
  axes_ += "<line class=\"axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(ybase) + "\" x2=\"" + num(width_ - kRight) +
           "\" y2=\"" + num(ybase) + "\"/>";
  axes_ += "<text class=\"axis-title\" x=\"" + num((kLeft + width_ - kRight) / 2) + "\" y=\"" + num(height_ - 8.0) +
           "\" text-anchor=\"middle\">" + escape(title) + "</text>";
}

void Chart::y_axis(const std::vector<double>& ticks, const std::function<std::string(double)>& label,
                   const std::string& title) {
  for (double t : ticks) {
    double y = py(t);
    grid_ += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(width_ - kRight) +
             "\" y2=\"" + num(y) + "\"/>";
    axes_ += "<line class=\"tick\" x1=\"" + num(kLeft - 5) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kLeft) +
             "\" y2=\"" + num(y) + "\"/>";
    axes_ += "<text class=\"tick-label\" x=\"" + num(kLeft - 8) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
             escape(label(t)) + "</text>";
  }
  axes_ += "<line class=\"axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(kLeft) + "\" y2=\"" +
           num(height_ - kBottom) + "\"/>";
  double cy = (kTop + height_ - kBottom) / 2;
  axes_ += "<text class=\"axis-title\" x=\"16\" y=\"" + num(cy) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " +
           num(cy) + ")\">" + escape(title) + "</text>";
}

void Chart::polyline(const std::vector<std::pair<double, double>>& points, const std::string& css_class) {
  std::string p;
  for (const auto& [x, y] : points) p += num(px(x)) + "," + num(py(y)) + " ";
  if (!p.empty()) p.pop_back();
  marks_ += "<polyline class=\"" + escape(css_class) + "\" points=\"" + p + "\"/>";
}

void Chart::dots(const std::vector<std::pair<double, double>>& points, const std::string& css_class, double radius) {
  for (const auto& [x, y] : points)
    marks_ += "<circle class=\"" + escape(css_class) + "\" cx=\"" + num(px(x)) + "\" cy=\"" + num(py(y)) + "\" r=\"" +
              num(radius) + "\"/>";
}

void Chart::band(const std::vector<std::pair<double, double>>& upper, const std::vector<std::pair<double, double>>& lower,
                 const std::string& css_class) {
  std::string p;
  for (const auto& [x, y] : upper) p += num(px(x)) + "," + num(py(y)) + " ";
  for (auto it = lower.rbegin(); it != lower.rend(); ++it) p += num(px(it->first)) + "," + num(py(it->second)) + " ";
  if (!p.empty()) p.pop_back();
  marks_ += "<polygon class=\"" + escape(css_class) + "\" points=\"" + p + "\"/>";
}

void Chart::bar(double x0, double x1, double y0, double y1, const std::string& css_class, const std::string& tooltip) {
  double left = std::min(px(x0), px(x1)), right = std::max(px(x0), px(x1));
  double top = std::min(py(y0), py(y1)), bottom = std::max(py(y0), py(y1));
  marks_ += "<rect class=\"" + escape(css_class) + "\" x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" +
            num(std::max(right - left, 0.5)) + "\" height=\"" + num(bottom - top) + "\">";
  if (!tooltip.empty()) marks_ += "<title>" + escape(tooltip) + "</title>";
  marks_ += "</rect>";
}

void Chart::vline(double x, double y0, double y1, const std::string& css_class, const std::string& tooltip,
                  double pixel_height, double min_pixel_height) {
  double bottom = py(y0);
  double top = pixel_height > 0 ? bottom - pixel_height : std::min(py(y1), bottom - min_pixel_height);
  std::string l = "<line class=\"" + escape(css_class) + "\" x1=\"" + num(px(x)) + "\" y1=\"" + num(bottom) +
                  "\" x2=\"" + num(px(x)) + "\" y2=\"" + num(top) + "\"";
  if (tooltip.empty()) marks_ += l + "/>";
  else marks_ += l + "><title>" + escape(tooltip) + "</title></line>";
}

void Chart::label(double x, double y, const std::string& text, const std::string& css_class, const char* anchor,
                  double dy) {
  overlay_ += "<text class=\"" + escape(css_class) + "\" x=\"" + num(px(x)) + "\" y=\"" + num(py(y) + dy) +
              "\" text-anchor=\"" + anchor + "\">" + escape(text) + "</text>";
}

void Chart::note(const std::string& text) {
  overlay_ += "<text class=\"note\" x=\"" + num(kLeft + 8) + "\" y=\"" + num(kTop + 16) + "\">" + escape(text) +
              "</text>";
}

void Chart::legend(const std::vector<LegendItem>& items) {
  double x = kLeft, y = 16;
  for (const auto& it : items) {
    std::string cls = escape(it.css_class);
    switch (it.kind) {
      case LegendItem::kLine:
      case LegendItem::kDashed:
        overlay_ += "<line class=\"" + cls + "\" x1=\"" + num(x) + "\" y1=\"" + num(y) + "\" x2=\"" + num(x + 22) +
                    "\" y2=\"" + num(y) + "\"/>";
        break;
      case LegendItem::kBox:
        overlay_ += "<rect class=\"" + cls + "\" x=\"" + num(x + 4) + "\" y=\"" + num(y - 6) +
                    "\" width=\"14\" height=\"12\"/>";
        break;
      case LegendItem::kTick:
        overlay_ += "<line class=\"" + cls + "\" x1=\"" + num(x + 11) + "\" y1=\"" + num(y + 6) + "\" x2=\"" +
                    num(x + 11) + "\" y2=\"" + num(y - 6) + "\"/>";
        break;
    }
    overlay_ += "<text class=\"legend\" x=\"" + num(x + 28) + "\" y=\"" + num(y + 4) + "\">" + escape(it.label) +
                "</text>";
    // Legend labels are short; about 6.6 units per character at 12px.
    x += 28 + 6.6 * static_cast<double>(it.label.size()) + 24;
  }
}

std::string Chart::str() const {
  std::string s = "<svg id=\"" + escape(id_) + "\" class=\"chart\" viewBox=\"0 0 " + std::to_string(width_) + " " +
                  std::to_string(height_) + "\" role=\"img\" aria-label=\"" + escape(title_) + "\">";
  s += "<title>" + escape(title_) + "</title>";
  // Marks are clipped to the plot area (a downsampled band or a long pause
  // cannot spill over the axes).
  s += "<defs><clipPath id=\"" + escape(id_) + "-plot\"><rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop - 2) +
       "\" width=\"" + num(width_ - kLeft - kRight) + "\" height=\"" + num(height_ - kTop - kBottom + 2) +
       "\"/></clipPath></defs>";
  s += "<g class=\"grid-lines\">" + grid_ + "</g>";
  s += "<g class=\"marks\" clip-path=\"url(#" + escape(id_) + "-plot)\">" + marks_ + "</g>";
  s += "<g class=\"axes\">" + axes_ + "</g>";
  s += "<g class=\"overlay\">" + overlay_ + "</g>";
  s += "</svg>";
  return s;
}

}  // namespace stress::svg
