// sched/rwmutex.cc — gort::RWMutex (Go's sync.RWMutex algorithm).
//
// reader_count counts active readers; a writer subtracts kMaxReaders from it,
// which makes it negative and so sends new readers to reader_sem, and waits on
// writer_sem for the readers that were already in (reader_wait of them). The
// last of those departing readers releases the writer; the writer's unlock
// adds kMaxReaders back and releases every reader that queued meanwhile.
// Writers exclude each other with an ordinary Mutex.
#include "gort/sync.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort {

namespace {
constexpr int kSemacquire = static_cast<int>(detail::WaitReason::semacquire);
}

void RWMutex::lock_shared() {
  if (reader_count_.fetch_add(1, std::memory_order_acquire) + 1 < 0) reader_sem_.acquire(kSemacquire);
}

bool RWMutex::try_lock_shared() {
  std::int32_t c = reader_count_.load(std::memory_order_relaxed);
  while (c >= 0) {
    if (reader_count_.compare_exchange_weak(c, c + 1, std::memory_order_acquire)) return true;
  }
  return false;
}

void RWMutex::unlock_shared() {
  std::int32_t r = reader_count_.fetch_sub(1, std::memory_order_release) - 1;
  if (r >= 0) return;
  if (r + 1 == 0 || r + 1 == -kMaxReaders) detail::fatal_("sync: RUnlock of unlocked RWMutex");
  // A writer is waiting: the last departing reader lets it in.
  if (reader_wait_.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0) writer_sem_.release();
}

void RWMutex::lock() {
  w_.lock();
  std::int32_t r = reader_count_.fetch_sub(kMaxReaders, std::memory_order_acq_rel);
  if (r != 0 && reader_wait_.fetch_add(r, std::memory_order_acq_rel) + r != 0)
    writer_sem_.acquire(kSemacquire);
}

bool RWMutex::try_lock() {
  if (!w_.try_lock()) return false;
  std::int32_t zero = 0;
  if (!reader_count_.compare_exchange_strong(zero, -kMaxReaders, std::memory_order_acquire)) {
    w_.unlock();
    return false;
  }
  return true;
}

void RWMutex::unlock() {
  std::int32_t r = reader_count_.fetch_add(kMaxReaders, std::memory_order_release) + kMaxReaders;
  if (r >= kMaxReaders) detail::fatal_("sync: Unlock of unlocked RWMutex");
  for (std::int32_t i = 0; i < r; i++) reader_sem_.release();
  w_.unlock();
}

}  // namespace gort
