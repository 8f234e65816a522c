// sched/select.cc — Go's selectgo.
//
// 1. Shuffle the cases (poll order: uniform choice among ready cases) and
//    sort their channels by address (lock order: no deadlock between two
//    selects locking the same channels).
// 2. Lock every channel; take the first ready case in poll order.
// 3. None ready: return -1 if there is a default; otherwise enqueue a sudog
//    on every channel, park, and let the first channel that fires win (the
//    waker CASes the goroutine's select_done from 0 to 1; later wakers skip
//    its sudogs). Woken, lock everything again and unlink the losing sudogs.
#include "base/alloc.h"

#include <algorithm>

#include "base/rand.h"
#include "sched/chan.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

struct SelState {
  hchan** lockorder;
  int n;
};

void sellock(hchan** order, int n) {
  hchan* last = nullptr;
  for (int i = 0; i < n; i++) {
    if (order[i] != last) order[i]->lock.lock();
    last = order[i];
  }
}

void selunlock(hchan** order, int n) {
  for (int i = n - 1; i >= 0; i--) {
    if (i > 0 && order[i] == order[i - 1]) continue;
    order[i]->lock.unlock();
  }
}

bool selpark_commit(G*, void* arg) {
  auto* st = static_cast<SelState*>(arg);
  selunlock(st->lockorder, st->n);
  return true;
}

// Small arrays on the stack, larger ones from the runtime allocator.
template <class T, int N>
struct ScratchArray {
  explicit ScratchArray(int n) : p(n <= N ? inline_ : static_cast<T*>(base::rt_alloc(sizeof(T) * n, alignof(T)))) {
    if (p == nullptr) throw_("runtime: out of memory");
  }
  ~ScratchArray() {
    if (p != inline_) base::rt_free(p);
  }
  T& operator[](int i) { return p[i]; }
  T inline_[N];
  T* p;
};

}  // namespace

int select_go(SelectCase* cases, int ncases, bool block) {
  safepoint();
  // Cases on nil channels never proceed: leave them out.
  ScratchArray<int, 8> live(ncases > 0 ? ncases : 1);
  int n = 0;
  for (int i = 0; i < ncases; i++)
    if (cases[i].c != nullptr) live[n++] = i;
  if (n == 0) {
    if (!block) return -1;
    gopark(nullptr, nullptr, ncases == 0 ? WaitReason::select_no_cases : WaitReason::select);
    throw_("unreachable: select with no ready cases was woken");
  }

  ScratchArray<int, 8> pollorder(n);
  for (int i = 0; i < n; i++) {
    int j = static_cast<int>(base::fastrandn(static_cast<std::uint32_t>(i + 1)));
    pollorder[i] = pollorder[j];
    pollorder[j] = live[i];
  }
  ScratchArray<hchan*, 8> lockorder(n);
  for (int i = 0; i < n; i++) lockorder[i] = cases[live[i]].c;
  std::sort(&lockorder[0], &lockorder[0] + n);

  sellock(&lockorder[0], n);
  // Pass 1: a case that can proceed now.
  for (int k = 0; k < n; k++) {
    int i = pollorder[k];
    SelectCase& sc = cases[i];
    hchan* c = sc.c;
    if (sc.is_send) {
      if (c->closed.load(std::memory_order_relaxed)) {
        selunlock(&lockorder[0], n);
        panic_runtime_error("send on closed channel");
      }
      if (Sudog* sg = c->recvq.dequeue()) {
        // chan_send_direct releases c's lock: release the others first.
        for (int j = n - 1; j >= 0; j--) {
          if ((j > 0 && lockorder[j] == lockorder[j - 1]) || lockorder[j] == c) continue;
          lockorder[j]->lock.unlock();
        }
        chan_send_direct(c, sg, sc.elem);
        return i;
      }
      if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
        elem_move(c->ops, c->slot(c->sendx), sc.elem);
        if (++c->sendx == c->dataqsiz) c->sendx = 0;
        c->qcount.fetch_add(1, std::memory_order_relaxed);
        selunlock(&lockorder[0], n);
        return i;
      }
    } else {
      if (Sudog* sg = c->sendq.dequeue()) {
        for (int j = n - 1; j >= 0; j--) {
          if ((j > 0 && lockorder[j] == lockorder[j - 1]) || lockorder[j] == c) continue;
          lockorder[j]->lock.unlock();
        }
        chan_recv_direct(c, sg, sc.elem);
        sc.recv_ok = true;
        return i;
      }
      if (c->qcount.load(std::memory_order_relaxed) > 0) {
        void* head = c->slot(c->recvx);
        elem_move(c->ops, sc.elem, head);
        elem_clear_slot(c->ops, head);
        if (++c->recvx == c->dataqsiz) c->recvx = 0;
        c->qcount.fetch_sub(1, std::memory_order_relaxed);
        selunlock(&lockorder[0], n);
        sc.recv_ok = true;
        return i;
      }
      if (c->closed.load(std::memory_order_relaxed)) {
        selunlock(&lockorder[0], n);
        sc.recv_ok = false;
        return i;
      }
    }
  }
  if (!block) {
    selunlock(&lockorder[0], n);
    return -1;
  }

  // Pass 2: wait on every channel.
  G* gp = getg();
  if (gp == nullptr) {
    selunlock(&lockorder[0], n);
    fatal_("gort: select blocks outside a goroutine");
  }
  ScratchArray<Sudog, 8> sgs(n);
  gp->select_done.store(0, std::memory_order_relaxed);
  gp->param = nullptr;
  for (int k = 0; k < n; k++) {
    int i = live[k];
    Sudog& sg = sgs[k];
    sg = Sudog{};
    sg.g = gp;
    sg.elem = cases[i].elem;
    sg.c = cases[i].c;
    sg.is_select = true;
    sg.case_index = i;
    if (cases[i].is_send) {
      sg.c->sendq.enqueue(&sg);
    } else {
      sg.c->recvq.enqueue(&sg);
    }
  }
  SelState st{&lockorder[0], n};
  gopark(selpark_commit, &st, WaitReason::select);

  // Pass 3: woken by the winning case; unlink the others.
  sellock(&lockorder[0], n);
  auto* winner = static_cast<Sudog*>(gp->param);
  gp->param = nullptr;
  if (winner == nullptr) throw_("selectgo: woken without a winning case");
  for (int k = 0; k < n; k++) {
    Sudog& sg = sgs[k];
    if (&sg == winner) continue;
    if (cases[sg.case_index].is_send) {
      sg.c->sendq.remove(&sg);
    } else {
      sg.c->recvq.remove(&sg);
    }
  }
  selunlock(&lockorder[0], n);
  int i = winner->case_index;
  if (cases[i].is_send) {
    if (!winner->success) panic_runtime_error("send on closed channel");
  } else {
    cases[i].recv_ok = winner->success;
  }
  return i;
}

}  // namespace gort::detail
