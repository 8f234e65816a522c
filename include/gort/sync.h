// gort/sync.h — Go's sync package for goroutines: Mutex, RWMutex, WaitGroup,
// Once, Cond. Waiting parks the goroutine, never the thread. Misuse is Go's:
//   fatal error: sync: unlock of unlocked mutex
//   fatal error: sync: RUnlock of unlocked RWMutex
//   fatal error: sync: Unlock of unlocked RWMutex
//   panic: sync: negative WaitGroup counter
// All types satisfy the standard Lockable requirements where they apply, so
// std::lock_guard / std::unique_lock / std::shared_lock work with them.
// None of them may be copied or moved once in use (as in Go).
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace gort {

namespace detail {
struct SemaWaiter;
// A counting semaphore on which goroutines park (Go's runtime semaphore).
class Sema {
 public:
  void acquire(int reason);  // reason: a detail::WaitReason value
  void release(bool handoff = false);

 private:
  std::atomic<std::uint32_t> count_{0};
  std::atomic<std::uint32_t> lock_{0};
  SemaWaiter* head_ = nullptr;
  SemaWaiter* tail_ = nullptr;
};
}  // namespace detail

class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() {
    std::int32_t expected = 0;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire)) lock_slow();
  }
  bool try_lock() {
    std::int32_t expected = 0;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire);
  }
  void unlock() {
    std::int32_t now = state_.fetch_sub(kLocked, std::memory_order_release) - kLocked;
    if (now != 0) unlock_slow(now);
  }

 private:
  static constexpr std::int32_t kLocked = 1;
  static constexpr std::int32_t kWoken = 2;
  static constexpr std::int32_t kWaiterShift = 3;
  void lock_slow();
  void unlock_slow(std::int32_t now);
  std::atomic<std::int32_t> state_{0};
  detail::Sema sema_;
};

class RWMutex {
 public:
  RWMutex() = default;
  RWMutex(const RWMutex&) = delete;
  RWMutex& operator=(const RWMutex&) = delete;

  void lock();
  bool try_lock();
  void unlock();
  void lock_shared();  // RLock
  bool try_lock_shared();
  void unlock_shared();  // RUnlock

 private:
  static constexpr std::int32_t kMaxReaders = 1 << 30;
  Mutex w_;
  detail::Sema writer_sem_;
  detail::Sema reader_sem_;
  std::atomic<std::int32_t> reader_count_{0};  // pending readers (minus kMaxReaders while a writer waits)
  std::atomic<std::int32_t> reader_wait_{0};   // departing readers the writer waits for
};

class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  void add(int delta);
  void done() { add(-1); }
  void wait();

 private:
  std::atomic<std::uint64_t> state_{0};  // high 32 bits: counter, low 32 bits: waiters
  detail::Sema sema_;
};

class Once {
 public:
  // Calls fn if and only if call() is being called for the first time on this
  // Once; every caller returns after that first fn has returned.
  template <class F>
  void call(F&& fn) {
    if (done_.load(std::memory_order_acquire)) return;
    m_.lock();
    struct Finish {
      Once* o;
      ~Finish() {
        o->done_.store(true, std::memory_order_release);
        o->m_.unlock();
      }
    };
    if (!done_.load(std::memory_order_relaxed)) {
      Finish finish{this};
      std::forward<F>(fn)();
      return;
    }
    m_.unlock();
  }
  bool done() const { return done_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> done_{false};
  Mutex m_;
};

class Cond {
 public:
  struct Waiter;
  explicit Cond(Mutex& l) : lock_fn_(&lock_of<Mutex>), unlock_fn_(&unlock_of<Mutex>), l_(&l) {}
  explicit Cond(RWMutex& l) : lock_fn_(&lock_of<RWMutex>), unlock_fn_(&unlock_of<RWMutex>), l_(&l) {}
  Cond(const Cond&) = delete;
  Cond& operator=(const Cond&) = delete;

  // Atomically unlocks L and parks; relocks L before returning.
  void wait();
  void signal();
  void broadcast();

 private:
  template <class L>
  static void lock_of(void* l) {
    static_cast<L*>(l)->lock();
  }
  template <class L>
  static void unlock_of(void* l) {
    static_cast<L*>(l)->unlock();
  }
  void (*lock_fn_)(void*);
  void (*unlock_fn_)(void*);
  void* l_;
  // Go's notifyList: tickets handed out to waiters and to notifications.
  std::atomic<std::uint32_t> wait_ticket_{0};
  std::uint32_t notify_ticket_ = 0;
  std::atomic<std::uint32_t> lock_{0};
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace gort
