// stress/failures.cc — see Failures in context.h.
#include <mutex>

#include "context.h"

namespace stress {

void Failures::add(const std::string& workload, const std::string& check, const std::string& detail) {
  total_.fetch_add(1, std::memory_order_relaxed);
  std::string line = workload + ": " + check + ": " + detail + " (goroutine " + std::to_string(gort::goid()) + ")";
  std::lock_guard<gort::Mutex> l(mu_);
  if (lines_.size() < kKept) lines_.push_back(std::move(line));
}

std::vector<std::string> Failures::lines() {
  std::lock_guard<gort::Mutex> l(mu_);
  return lines_;
}

}  // namespace stress
