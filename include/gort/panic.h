// gort/panic.h — Go's panic, defer and recover for C++.
//
//   std::string safe_div(int a, int b) {
//     std::string result;                         // a Go "named result"
//     gort::func([&] {                             // a Go function body
//       gort::Defer d([&] {                        // runs when the scope ends
//         if (auto r = gort::recover()) result = "recovered: " + r.message();
//       });
//       if (b == 0) gort::panic("division by zero");
//       result = std::to_string(a / b);
//     });
//     return result;                               // "recovered: division by zero"
//   }
//
// The model, and where it differs from Go (README "panic, defer, recover"):
// - gort::Defer is a scope guard: its call runs when its C++ scope ends, on a
//   normal exit and when an exception or a recovery unwinds through it. While
//   a goroutine panics, every pending deferred call runs LIFO *before* any
//   stack frame is unwound, on top of the panicking stack, as in Go.
// - gort::recover() returns the panic value only when called directly by a
//   deferred call that a panic is running (not from a helper it calls, not
//   when nothing panics, not during gort::goexit). It then stops the panic:
//   the innermost gort::func that encloses the recovering Defer returns
//   normally — a void body just ends, a body returning R returns R{} (Go's
//   zero results) — after the deferred calls still pending inside it ran.
//   A goroutine's function and a deferred call are recovery boundaries too.
// - The frames between the panic and that boundary are unwound as a C++
//   exception of type gort::detail::RecoveryUnwind, so destructors run. A
//   `catch (...)` on that path must rethrow it. A panic is never an
//   exception before it is recovered: no catch block sees an unrecovered
//   panic, a fatal error or a throw.
// - An unrecovered panic prints `panic: <value>` and the goroutine's
//   traceback and exits with status 2; other goroutines' defers do not run.
// - gort::goexit() runs the goroutine's deferred calls (unwinding its frames
//   with a forced unwind that catch blocks cannot stop) and ends the
//   goroutine.
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace gort {

// Formats a value of a user type for `panic: ...` lines and
// PanicValue::message(). Specialize it for types that should print
// themselves (Go's Stringer):
//   template <> struct gort::PanicFormatter<Point> {
//     static std::string format(const Point& p) { return ...; }
//   };
template <class T>
struct PanicFormatter;

// Go's runtime.Error: the panics the runtime raises itself (index out of
// range, nil map assignment, closed channel misuse, ...). what() is the text
// printed after `panic: `.
class RuntimeError : public std::exception {
 public:
  explicit RuntimeError(std::string text) : text_(std::move(text)) {}
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;
};

namespace detail {

// A type-erased panic value.
struct PanicBox {
  virtual ~PanicBox() = default;
  virtual const std::type_info& type() const noexcept = 0;
  virtual const void* ptr() const noexcept = 0;
  // The text Go prints after `panic: ` (may call user code: what(), a formatter).
  virtual std::string format() const = 0;
  virtual const std::exception* exception() const noexcept = 0;
};

std::string demangle(const char* mangled);
std::string format_float(double v);  // Go's print of a float64: +1.500000e+000
std::string format_hex(std::uint64_t v);  // 0x-prefixed

template <class T>
std::string format_panic_value(const T& v) {
  if constexpr (requires { PanicFormatter<T>::format(v); }) {
    return std::string(PanicFormatter<T>::format(v));
  } else if constexpr (std::is_base_of_v<std::exception, T>) {
    return v.what();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_enum_v<T>) {
    return demangle(typeid(T).name()) + "(" +
           std::to_string(static_cast<std::underlying_type_t<T>>(v)) + ")";
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return format_float(static_cast<double>(v));
  } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
    return "panic called with nil argument";
  } else {
    return "(" + demangle(typeid(T).name()) + ") " + format_hex(reinterpret_cast<std::uintptr_t>(&v));
  }
}

template <class T>
struct Boxed final : PanicBox {
  template <class U>
  explicit Boxed(U&& u) : value(std::forward<U>(u)) {}
  const std::type_info& type() const noexcept override { return typeid(T); }
  const void* ptr() const noexcept override { return &value; }
  std::string format() const override { return format_panic_value(value); }
  const std::exception* exception() const noexcept override {
    if constexpr (std::is_base_of_v<std::exception, T>) return &value;
    return nullptr;
  }
  T value;
};

// String-like values are stored as std::string, function designators as pointers.
template <class T>
using panic_storage_t =
    std::conditional_t<std::is_convertible_v<const T&, std::string_view> &&
                           !std::is_same_v<T, std::nullptr_t>,
                       std::string, std::decay_t<T>>;

}  // namespace detail

// What recover() returns: empty (false) when nothing was recovered.
class PanicValue {
 public:
  PanicValue() = default;
  explicit PanicValue(std::shared_ptr<const detail::PanicBox> box) : box_(std::move(box)) {}

  explicit operator bool() const noexcept { return box_ != nullptr; }
  bool has_value() const noexcept { return box_ != nullptr; }

  // The value if it has exactly type T (string values are std::string).
  template <class T>
  const T* get() const noexcept {
    if (!box_ || box_->type() != typeid(T)) return nullptr;
    return static_cast<const T*>(box_->ptr());
  }
  template <class T>
  bool is() const noexcept {
    return get<T>() != nullptr;
  }
  // The value as a std::exception, if it is one (RuntimeError included).
  const std::exception* error() const noexcept { return box_ ? box_->exception() : nullptr; }
  bool is_runtime_error() const noexcept {
    return dynamic_cast<const RuntimeError*>(error()) != nullptr;
  }
  // The text Go prints after `panic: `.
  std::string message() const { return box_ ? box_->format() : std::string(); }
  std::string type_name() const;
  const std::shared_ptr<const detail::PanicBox>& box() const noexcept { return box_; }

 private:
  std::shared_ptr<const detail::PanicBox> box_;
};

namespace detail {

struct Panic;

// One link of a goroutine's defer chain: a pending or running deferred call,
// or a recovery boundary (gort::func, a goroutine's entry, a deferred call's
// invocation). Entries live in the frames that created them; the chain is
// LIFO, newest first.
enum class EntryKind : std::uint8_t { defer_call, boundary };
enum class EntryState : std::uint8_t { pending, running, done };

struct DeferEntry {
  DeferEntry* link = nullptr;
  DeferEntry** head = nullptr;  // the goroutine's chain head; null off-goroutine
  void (*thunk)(DeferEntry*) = nullptr;
  const void* callee = nullptr;  // out-of-line entry of the deferred callable, if known
  Panic* started_by = nullptr;   // the panic running it, if a panic runs it
  EntryKind kind = EntryKind::defer_call;
  EntryState state = EntryState::pending;
};

// Thrown (only) to unwind from a recovered panic to its recovery boundary.
struct RecoveryUnwind {};

// The running goroutine's defer chain head; null off-goroutine (g0, threads
// the runtime does not own), where deferred calls still run at scope exit.
DeferEntry** defer_chain() noexcept;
inline void defer_push(DeferEntry* e) noexcept {
  DeferEntry** head = defer_chain();
  e->head = head;
  if (head != nullptr) {
    e->link = *head;
    *head = e;
  }
}
inline void defer_pop(DeferEntry* e) noexcept {
  if (e->head != nullptr && *e->head == e) *e->head = e->link;
}
// Called in `catch (RecoveryUnwind&)` at entry e: returns if the recovery
// resumes here, rethrows otherwise (a destructor running during another
// unwinding cannot rethrow: it returns, and that unwinding carries on).
void recovery_reached(DeferEntry* e, bool in_destructor);

[[noreturn]] void gopanic(PanicValue v);

// The entry address of F's call operator, for recover's "called directly" check.
template <class F>
const void* callee_entry(const F& f) noexcept {
  if constexpr (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>) {
    return reinterpret_cast<const void*>(f);
  } else if constexpr (std::is_class_v<F> && requires { &F::operator(); }) {
    // Itanium C++ ABI: a pointer to a non-virtual member function holds the
    // function's address in its first word.
    auto pm = &F::operator();
    static_assert(sizeof(pm) >= sizeof(void*));
    const void* addr;
    std::memcpy(&addr, &pm, sizeof addr);
    return (reinterpret_cast<std::uintptr_t>(addr) & 1) ? nullptr : addr;
  } else {
    return nullptr;
  }
}

}  // namespace detail

// Panics with a copy of value. Strings print raw, numbers as Go prints them,
// std::exception values by what(), types with a PanicFormatter through it,
// anything else as `(<type>) 0x<address>`.
template <class T>
[[noreturn]] [[gnu::always_inline]] inline void panic(T&& value) {
  using D = std::decay_t<T>;
  if constexpr (std::is_same_v<D, PanicValue>) {
    detail::gopanic(std::forward<T>(value));  // re-panic with a recovered value
  } else {
    using S = detail::panic_storage_t<D>;
    detail::gopanic(PanicValue(std::make_shared<detail::Boxed<S>>(std::forward<T>(value))));
  }
}

// Go's recover(): see the top of this file.
[[gnu::noinline]] PanicValue recover();

// Go's runtime.Goexit: runs the goroutine's deferred calls and ends it. In
// the main goroutine, the program continues until no goroutine is left, then
// fails with Go's `no goroutines (main called runtime.Goexit) - deadlock!`.
[[noreturn]] void goexit();

// A deferred call. `gort::Defer d([&] { ... });` runs the callable when d's
// scope ends, or earlier, LIFO with the goroutine's other deferred calls,
// when the goroutine panics.
template <class F>
class [[nodiscard]] Defer : private detail::DeferEntry {
 public:
  explicit Defer(F fn) : fn_(std::move(fn)) {
    thunk = &Defer::run;
    callee = detail::callee_entry(fn_);
    detail::defer_push(this);
  }
  ~Defer() noexcept(false) {
    if (state != detail::EntryState::pending) {
      detail::defer_pop(this);
      return;
    }
    state = detail::EntryState::running;
    try {
      fn_();
    } catch (detail::RecoveryUnwind&) {
      detail::recovery_reached(this, true);
    }
    state = detail::EntryState::done;
    detail::defer_pop(this);
  }
  Defer(const Defer&) = delete;
  Defer& operator=(const Defer&) = delete;
  static void* operator new(std::size_t) = delete;
  static void* operator new[](std::size_t) = delete;

 private:
  // How a panic runs the call (through a pointer, so recover can tell the
  // deferred callable's frame from its callees').
  static void run(detail::DeferEntry* e) { static_cast<Defer*>(e)->fn_(); }
  F fn_;
};
template <class F>
Defer(F) -> Defer<F>;

// A Go function body: the boundary a recover inside it returns to. Returns
// body's result, or R{} (Go's zero results) if a deferred call recovered.
template <class F>
auto func(F&& body) -> std::invoke_result_t<F&> {
  using R = std::invoke_result_t<F&>;
  detail::DeferEntry b;
  b.kind = detail::EntryKind::boundary;
  detail::defer_push(&b);
  struct Pop {
    detail::DeferEntry* e;
    ~Pop() { detail::defer_pop(e); }
  } pop{&b};
  try {
    return body();
  } catch (detail::RecoveryUnwind&) {
    detail::recovery_reached(&b, false);
  }
  if constexpr (!std::is_void_v<R>) return R{};
}

// Runtime errors as the runtime raises them (recoverable panics whose value
// is a RuntimeError).
[[noreturn]] void panic_index(std::int64_t index, std::int64_t length);  // index out of range [i] with length n
[[noreturn]] void panic_divide();  // runtime error: integer divide by zero

}  // namespace gort
