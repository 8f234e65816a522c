// base/fence.cc — see fence.h.
#include "base/fence.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort::base {

bool g_asymmetric_fence = false;

namespace {
long membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }
}  // namespace

void asymmetric_fence_init() {
  static bool done = false;
  if (done) return;
  done = true;
  long cmds = membarrier(MEMBARRIER_CMD_QUERY);
  if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return;
  if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0) return;
  __atomic_store_n(&g_asymmetric_fence, true, __ATOMIC_SEQ_CST);
}

void heavy_fence() {
  if (__atomic_load_n(&g_asymmetric_fence, __ATOMIC_SEQ_CST) && membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
    return;
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace gort::base
