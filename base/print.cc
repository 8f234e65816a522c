#include "base/print.h"

#include <errno.h>
#include <unistd.h>

namespace gort::base {

void write_stderr(const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(2, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void Printer::flush() {
  if (n_ > 0) {
    if (sink_ != nullptr) {
      sink_(ctx_, buf_, n_);
    } else {
      write_stderr(buf_, n_);
    }
  }
  n_ = 0;
}

Printer& Printer::ch(char c) {
  if (n_ == sizeof buf_) flush();
  buf_[n_++] = c;
  return *this;
}

Printer& Printer::str(std::string_view s) {
  for (char c : s) ch(c);
  return *this;
}

Printer& Printer::u64(std::uint64_t v) {
  char tmp[24];
  int i = 0;
  do {
    tmp[i++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (i > 0) ch(tmp[--i]);
  return *this;
}

Printer& Printer::i64(std::int64_t v) {
  if (v < 0) {
    ch('-');
    return u64(static_cast<std::uint64_t>(-(v + 1)) + 1);
  }
  return u64(static_cast<std::uint64_t>(v));
}

Printer& Printer::hex(std::uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[16];
  int i = 0;
  do {
    tmp[i++] = digits[v & 15];
    v >>= 4;
  } while (v != 0);
  ch('0').ch('x');
  while (i > 0) ch(tmp[--i]);
  return *this;
}

}  // namespace gort::base
