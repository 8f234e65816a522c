// gort/sched.h — goroutines: boot, spawn, yield, sleep, blocking calls, GOMAXPROCS.
//
//   int main() {
//     return gort::run([] {
//       gort::go([] { ... });          // a new goroutine
//       gort::sleep(std::chrono::milliseconds(10));
//       return 0;                      // run() returns this status
//     });
//   }
//
// Scheduling model (see sched/README.md): goroutines are multiplexed M:N onto
// OS threads ("M"s), each holding one of GOMAXPROCS processor tokens ("P"s).
// A goroutine is never preempted in the middle of plain C++ code; it yields at
// safepoints: channel and lock operations, gort::yield(), sleep, blocking().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace gort {

namespace detail {
struct G;
// Storage for a goroutine's entry function lives inside the G when it fits.
struct GoSlot {
  G* g;
  void* storage;
};
GoSlot newproc_alloc(std::size_t size, std::size_t align);
// Publishes the goroutine. Not inline: its return address is the "created by" PC.
[[gnu::noinline]] void newproc_start(GoSlot slot, void (*invoke)(void*), void (*destroy)(void*));
[[noreturn]] void go_nil_func();
int run_main(void (*invoke)(void*, int*), void* ctx);
void sleep_ns(std::int64_t ns);
void entersyscall();
void exitsyscall();

// Runs fn(arg) on the current M's system stack (g0) and returns to the calling
// goroutine, which keeps its M and P meanwhile (Go's systemstack). On g0 or a
// thread the runtime does not own, calls fn directly. fn must not block.
void systemstack(void (*fn)(void*), void* arg);
// True while running on a system stack (g0) or on a thread the runtime does not own.
bool on_system_stack();

template <class F>
bool is_nil_callable(const F& f) {
  using D = std::decay_t<F>;
  if constexpr (std::is_function_v<std::remove_reference_t<F>>) {
    return false;  // a function designator is never null
  } else if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D>) {
    return f == nullptr;
  } else if constexpr (std::is_class_v<D> && !std::is_convertible_v<const D&, void (*)()> &&
                       requires { f == nullptr; }) {
    return f == nullptr;  // std::function and function_ref-likes; not captureless lambdas
  } else {
    return false;
  }
}
}  // namespace detail

// Boots the runtime on the calling thread (it becomes M0), runs `main` as
// goroutine 1 and returns its exit status once it returns (0 for a void main).
// Other goroutines are abandoned, as in Go: the world is stopped and stays
// stopped. May be called once per process.
template <class F>
int run(F&& main) {
  // A function designator decays to a pointer; anything else is used in place.
  using Fn = std::conditional_t<std::is_function_v<std::remove_reference_t<F>>,
                                std::decay_t<F>, std::remove_reference_t<F>>;
  auto invoke = [](void* ctx, int* status) {
    Fn& fn = *static_cast<Fn*>(ctx);
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&>>) {
      fn();
      *status = 0;
    } else {
      *status = static_cast<int>(fn());
    }
  };
  if constexpr (std::is_function_v<std::remove_reference_t<F>>) {
    Fn fp = main;
    return detail::run_main(invoke, static_cast<void*>(&fp));
  } else {
    return detail::run_main(invoke, const_cast<void*>(static_cast<const void*>(&main)));
  }
}

// Starts fn(args...) in a new goroutine. The arguments are copied (decayed)
// now, like the arguments of Go's `go` statement. An empty std::function or a
// null function pointer is `fatal error: go of nil func value`.
template <class F, class... Args>
[[gnu::always_inline]] inline void go(F&& fn, Args&&... args) {
  if (detail::is_nil_callable<F>(fn)) detail::go_nil_func();
  auto body = [f = std::decay_t<F>(std::forward<F>(fn)),
               ... a = std::decay_t<Args>(std::forward<Args>(args))]() mutable { f(a...); };
  using Body = decltype(body);
  detail::GoSlot slot = detail::newproc_alloc(sizeof(Body), alignof(Body));
  ::new (slot.storage) Body(std::move(body));
  detail::newproc_start(
      slot, [](void* p) { (*static_cast<Body*>(p))(); },
      [](void* p) { static_cast<Body*>(p)->~Body(); });
  // Not a tail call: newproc_start's return address must stay in the caller
  // of gort::go, where "created by" points.
  asm volatile("" ::: "memory");
}

// Gives the processor to other runnable goroutines (Go's runtime.Gosched).
void yield();

// Parks the calling goroutine for at least d (Go's time.Sleep). d <= 0 returns at once.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d) {
  detail::sleep_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

// Runs fn, a call that may block its thread (a system call, a blocking
// library), with the P released so other goroutines keep running; sysmon hands
// the P to another thread if the call lasts. Returns fn's result.
//
// While fn runs, the collector scans the caller's frames but not fn's: fn must
// not create GC objects or be the only holder of a pointer to one.
template <class F>
[[gnu::noinline]] decltype(auto) blocking(F&& fn) {
  struct Exit {
    ~Exit() { detail::exitsyscall(); }
  };
  // Spill every callee-saved register into this frame, which stays put while
  // fn runs: a pointer the caller keeps only in a register is then on the
  // part of the stack the collector scans (above entersyscall's mark).
  __builtin_unwind_init();
  detail::entersyscall();
  Exit exit_guard;
  return std::forward<F>(fn)();
}

// GOMAXPROCS: the number of Ps. set_gomaxprocs(n) with n >= 1 changes it
// (stopping the world briefly) and returns the previous value; n < 1 only reads.
int gomaxprocs();
int set_gomaxprocs(int n);

// Number of goroutines that currently exist (runtime.NumGoroutine).
std::int64_t num_goroutine();

// Id of the calling goroutine (goroutine 1 is main); 0 when not on a goroutine.
std::int64_t goid();

// Ends the process at once with `code`, running no deferred calls (os.Exit).
[[noreturn]] void exit(int code);

// Stops every P (the collector's stop-the-world), bounded even while a
// goroutine spins in plain C++ without a safepoint: such threads are suspended
// by a signal. Must be called from a goroutine; start_the_world() resumes.
// Returns the time the stop took in nanoseconds.
std::int64_t stop_the_world();
void start_the_world();

}  // namespace gort
