// gort/chan.h — Go channels and select.
//
//   gort::Chan<int> c = gort::make_chan<int>(16);   // buffered; make_chan<int>() is unbuffered
//   gort::go([c]() mutable { for (int i = 0; i < 3; i++) c.send(i); c.close(); });
//   for (int v : c) use(v);                          // until closed and drained
//
//   gort::select(gort::case_recv(a, [&](int v, bool ok) { ... }),
//                gort::case_send(b, 42, [&] { ... }),
//                gort::case_default([&] { ... }));
//
// Chan<T> is a reference type like a Go channel: copies share the channel; a
// default-constructed Chan is nil (operations on it block forever, close of it
// panics). Semantics and messages are Go's: `send on closed channel`,
// `close of closed channel`, `close of nil channel`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gort {

namespace detail {
struct hchan;

// How the channel core moves elements of one type without knowing the type.
struct ElemOps {
  std::size_t size;
  std::size_t align;
  bool trivial;                                  // memcpy moves, no destructor
  void (*move_construct)(void* dst, void* src);  // placement-move src into dst
  void (*destroy)(void* p);
};

template <class T>
inline constexpr ElemOps elem_ops_for{
    sizeof(T),
    alignof(T),
    std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
    [](void* dst, void* src) { ::new (dst) T(std::move(*static_cast<T*>(src))); },
    [](void* p) { static_cast<T*>(p)->~T(); },
};

enum class RecvStatus : int { would_block = 0, received = 1, closed = 2 };

hchan* chan_make(const ElemOps* ops, std::int64_t cap);
void chan_retain(hchan* c) noexcept;
void chan_release(hchan* c) noexcept;
// Moves *elem into the channel. Returns false only when !block and it would block.
bool chan_send(hchan* c, void* elem, bool block);
// Constructs the received element in *dst (uninitialised storage) on `received`.
RecvStatus chan_recv(hchan* c, void* dst, bool block);
void chan_close(hchan* c);
std::size_t chan_len(const hchan* c) noexcept;
std::size_t chan_cap(const hchan* c) noexcept;

struct SelectCase {
  hchan* c;       // nullptr: a nil channel, never ready
  void* elem;     // send: the value to move from; recv: storage for the value
  bool is_send;
  bool recv_ok;   // out: for the chosen receive case, false if the channel was closed
};
// Go's selectgo: returns the index of the case that proceeded, or -1 when
// !block and none was ready. Uniformly random among ready cases.
int select_go(SelectCase* cases, int n, bool block);
}  // namespace detail

template <class T>
struct Received {
  T value;
  bool ok;  // false: the channel was closed and drained; value is T{}
};

template <class T>
class Chan {
  static_assert(!std::is_reference_v<T>, "Chan element must be an object type");

 public:
  using value_type = T;

  Chan() noexcept = default;  // nil channel
  Chan(const Chan& o) noexcept : c_(o.c_) {
    if (c_) detail::chan_retain(c_);
  }
  Chan(Chan&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  Chan& operator=(Chan o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~Chan() {
    if (c_) detail::chan_release(c_);
  }

  // make(chan T, cap). A negative or absurd cap panics `makechan: size out of range`.
  static Chan make(std::int64_t cap = 0) {
    Chan ch;
    ch.c_ = detail::chan_make(&detail::elem_ops_for<T>, cap);
    return ch;
  }

  void send(T v) const { detail::chan_send(c_, &v, true); }

  T recv() const { return recv_ok().value; }

  Received<T> recv_ok() const {
    alignas(T) unsigned char buf[sizeof(T)];
    if (detail::chan_recv(c_, buf, true) == detail::RecvStatus::received) return take(buf, true);
    return Received<T>{T{}, false};
  }

  // Non-blocking send (select with a default case). On failure v is untouched.
  bool try_send(T& v) const { return detail::chan_send(c_, &v, false); }
  bool try_send(T&& v) const { return detail::chan_send(c_, &v, false); }

  // Non-blocking receive: would_block, received (out holds the value) or closed.
  detail::RecvStatus try_recv(T& out) const {
    alignas(T) unsigned char buf[sizeof(T)];
    auto st = detail::chan_recv(c_, buf, false);
    if (st == detail::RecvStatus::received) {
      out = take(buf, true).value;
    } else if (st == detail::RecvStatus::closed) {
      out = T{};
    }
    return st;
  }

  void close() const { detail::chan_close(c_); }

  std::size_t size() const noexcept { return c_ ? detail::chan_len(c_) : 0; }      // len(c)
  std::size_t capacity() const noexcept { return c_ ? detail::chan_cap(c_) : 0; }  // cap(c)
  bool is_nil() const noexcept { return c_ == nullptr; }
  explicit operator bool() const noexcept { return c_ != nullptr; }
  friend bool operator==(const Chan& a, const Chan& b) noexcept { return a.c_ == b.c_; }

  detail::hchan* raw() const noexcept { return c_; }

  // for (T v : ch) receives until the channel is closed and drained.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    explicit iterator(const Chan* ch) : ch_(ch) { advance(); }
    iterator() = default;
    T& operator*() { return cur_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    bool operator==(const iterator& o) const { return ch_ == o.ch_; }

   private:
    void advance() {
      auto r = ch_->recv_ok();
      if (r.ok) {
        cur_ = std::move(r.value);
      } else {
        ch_ = nullptr;
      }
    }
    const Chan* ch_ = nullptr;
    T cur_{};
  };
  iterator begin() const { return iterator(this); }
  iterator end() const { return iterator(); }

 private:
  static Received<T> take(unsigned char* buf, bool ok) {
    T* p = std::launder(reinterpret_cast<T*>(buf));
    Received<T> r{std::move(*p), ok};
    p->~T();
    return r;
  }
  detail::hchan* c_ = nullptr;
};

template <class T>
Chan<T> make_chan(std::int64_t cap = 0) {
  return Chan<T>::make(cap);
}

// ---- select ----------------------------------------------------------------

namespace detail {
struct NoAction {
  template <class... A>
  void operator()(A&&...) const {}
};

template <class T, class F>
struct RecvCaseT {
  const Chan<T>& ch;
  F fn;
  alignas(T) unsigned char buf[sizeof(T)];
  static constexpr bool is_default = false;
  void fill(SelectCase& sc) { sc = SelectCase{ch.raw(), buf, false, false}; }
  void fire(const SelectCase& sc) {
    if (sc.recv_ok) {
      T* p = std::launder(reinterpret_cast<T*>(buf));
      T v(std::move(*p));
      p->~T();
      call(std::move(v), true);
    } else {
      call(T{}, false);
    }
  }
  void call(T&& v, bool ok) {
    if constexpr (std::is_invocable_v<F&, T&&, bool>) {
      fn(std::move(v), ok);
    } else if constexpr (std::is_invocable_v<F&, T&&>) {
      fn(std::move(v));
    } else {
      fn();
    }
  }
};

template <class T, class F>
struct SendCaseT {
  const Chan<T>& ch;
  T value;
  F fn;
  static constexpr bool is_default = false;
  void fill(SelectCase& sc) { sc = SelectCase{ch.raw(), &value, true, false}; }
  void fire(const SelectCase&) { fn(); }
};

template <class F>
struct DefaultCaseT {
  F fn;
  static constexpr bool is_default = true;
  void fire() { fn(); }
};
}  // namespace detail

// A receive case; fn is called as fn(value, ok), fn(value) or fn().
template <class T, class F = detail::NoAction>
detail::RecvCaseT<T, F> case_recv(const Chan<T>& ch, F fn = {}) {
  return {ch, std::move(fn), {}};
}
// A send case; the value is moved into the channel only if this case proceeds.
template <class T, class V, class F = detail::NoAction>
detail::SendCaseT<T, F> case_send(const Chan<T>& ch, V&& value, F fn = {}) {
  return {ch, T(std::forward<V>(value)), std::move(fn)};
}
template <class F = detail::NoAction>
detail::DefaultCaseT<F> case_default(F fn = {}) {
  return {std::move(fn)};
}

// Go's select statement: waits until one case can proceed (uniformly random
// among the ready ones), performs it, calls its function, and returns the
// case's position in the argument list. With a default case it never blocks.
// select() with no cases blocks forever, like `select {}`.
template <class... Cases>
int select(Cases&&... cases) {
  constexpr int ndefault = (0 + ... + (std::remove_reference_t<Cases>::is_default ? 1 : 0));
  static_assert(ndefault <= 1, "select: multiple default cases");
  constexpr int n = static_cast<int>(sizeof...(Cases));
  detail::SelectCase scs[n > 0 ? n : 1];
  int map_to_arg[n > 0 ? n : 1] = {};
  int nc = 0, default_at = -1, at = 0;
  auto fill = [&](auto& c) {
    if constexpr (std::remove_reference_t<decltype(c)>::is_default) {
      default_at = at;
    } else {
      c.fill(scs[nc]);
      map_to_arg[nc++] = at;
    }
    at++;
  };
  (fill(cases), ...);
  (void)fill;
  int chosen = detail::select_go(scs, nc, default_at < 0);
  int arg = chosen < 0 ? default_at : map_to_arg[chosen];
  at = 0;
  auto fire = [&](auto& c) {
    if (at++ != arg) return;
    if constexpr (std::remove_reference_t<decltype(c)>::is_default) {
      c.fire();
    } else {
      c.fire(scs[chosen]);
    }
  };
  (fire(cases), ...);
  (void)fire;
  return arg;
}

}  // namespace gort
