// base/print.h — printing for fatal reports and runtime diagnostics: formats
// into a stack buffer and writes to fd 2 with write(2). No allocation, no
// locks, no stdio, so it works on a g0 stack, in a signal handler, and while
// the heap is broken (Go's print/println).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gort::base {

class Printer {
 public:
  using Sink = void (*)(void* ctx, const char* p, std::size_t n);
  Printer() = default;
  // Writes to sink(ctx, ...) instead of fd 2 (gort::debug::stack collects a string).
  Printer(Sink sink, void* ctx) : sink_(sink), ctx_(ctx) {}
  ~Printer() { flush(); }
  Printer(const Printer&) = delete;
  Printer& operator=(const Printer&) = delete;

  Printer& str(std::string_view s);
  Printer& i64(std::int64_t v);
  Printer& u64(std::uint64_t v);
  Printer& hex(std::uint64_t v);  // 0x-prefixed, like Go's print of uintptr
  Printer& ch(char c);
  Printer& nl() { return ch('\n'); }
  void flush();

 private:
  char buf_[512];
  std::size_t n_ = 0;
  Sink sink_ = nullptr;
  void* ctx_ = nullptr;
};

void write_stderr(const char* p, std::size_t n);

}  // namespace gort::base
