// runtime/unwind.cc — see unwind.h.
#include "runtime/unwind.h"

#include "runtime/symbolize.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <ucontext.h>

#include <cstring>

extern "C" void gort_sigpanic_trampoline();  // runtime/signal.cc

namespace gort::detail {

namespace {

// jump_fcontext's frame (Boost 1.74+, x86-64 System V): the saved context
// points at [mxcsr/x87 cw, r12, r13, r14, r15, rbx, rbp, return address].
struct FcontextFrame {
  std::uint64_t fpu;
  std::uint64_t r12, r13, r14, r15, rbx, rbp, rip;
};

int walk(unw_cursor_t* c, RawFrame* out, int max, bool* more, bool stop_at_signal = false) {
  int n = 0;
  *more = false;
  for (;;) {
    unw_word_t ip = 0, sp = 0;
    unw_get_reg(c, UNW_REG_IP, &ip);
    unw_get_reg(c, UNW_REG_SP, &sp);
    if (ip == 0) break;
    if (n == max) {
      *more = true;
      break;
    }
    RawFrame& f = out[n];
    if (n > 0 && !f.call_site && out[n - 1].proc == reinterpret_cast<std::uintptr_t>(&gort_sigpanic_trampoline))
      ip -= 1;
    f.pc = ip;
    f.sp = sp;
    f.fp = 0;
    // (unw_get_proc_info would search the loaded objects with signals
    // blocked, two system calls per frame: the symbolizer's cache is cheaper.)
    f.proc = function_entry(ip, f.call_site);
    if (n > 0) out[n - 1].fp = sp;
    bool signal_frame = unw_is_signal_frame(c) > 0;
    if (signal_frame && stop_at_signal) break;  // the kernel's sigreturn trampoline
    n++;
    if (unw_step(c) <= 0) break;
    // Below a signal frame the pc is where the signal struck, not a return address.
    if (n < max) out[n].call_site = !signal_frame;
    // Below an injected sigpanic call the "return address" is the faulting
    // instruction + 1: report the faulting instruction.
    bool injected = f.proc == reinterpret_cast<std::uintptr_t>(&gort_sigpanic_trampoline);
    if (injected && n < max) out[n].call_site = false;
  }
  return n;
}

// libunwind's default global cache blocks signals around every access (two
// sigprocmask calls per frame); a per-thread cache needs no lock.
void init_caching() {
  static bool done = [] {
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    return true;
  }();
  (void)done;
}

void fill(unw_context_t* uc, const Regs& r) {
  std::memset(uc, 0, sizeof *uc);
  greg_t* g = reinterpret_cast<ucontext_t*>(uc)->uc_mcontext.gregs;
  g[REG_RIP] = static_cast<greg_t>(r.rip);
  g[REG_RSP] = static_cast<greg_t>(r.rsp);
  g[REG_RBP] = static_cast<greg_t>(r.rbp);
  g[REG_RBX] = static_cast<greg_t>(r.rbx);
  g[REG_R12] = static_cast<greg_t>(r.r12);
  g[REG_R13] = static_cast<greg_t>(r.r13);
  g[REG_R14] = static_cast<greg_t>(r.r14);
  g[REG_R15] = static_cast<greg_t>(r.r15);
}

}  // namespace

Regs regs_from_context(Context ctx) {
  Regs r;
  if (ctx == nullptr) return r;
  auto* f = static_cast<const FcontextFrame*>(ctx);
  r.r12 = f->r12;
  r.r13 = f->r13;
  r.r14 = f->r14;
  r.r15 = f->r15;
  r.rbx = f->rbx;
  r.rbp = f->rbp;
  r.rip = f->rip;
  r.rsp = reinterpret_cast<std::uintptr_t>(ctx) + sizeof(FcontextFrame);
  return r;
}

Regs regs_from_gregs(const std::uintptr_t* g) {
  Regs r;
  r.rip = g[REG_RIP];
  r.rsp = g[REG_RSP];
  r.rbp = g[REG_RBP];
  r.rbx = g[REG_RBX];
  r.r12 = g[REG_R12];
  r.r13 = g[REG_R13];
  r.r14 = g[REG_R14];
  r.r15 = g[REG_R15];
  return r;
}

Regs regs_from_ucontext(const void* ucv) {
  auto* uc = static_cast<const ucontext_t*>(ucv);
  std::uintptr_t g[NGREG];
  for (int i = 0; i < NGREG; i++) g[i] = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[i]);
  return regs_from_gregs(g);
}

int unwind_from(const Regs& regs, bool interrupted, RawFrame* out, int max, bool* more) {
  *more = false;
  if (regs.rip == 0 || max <= 0) return 0;
  init_caching();
  unw_context_t uc;
  fill(&uc, regs);
  unw_cursor_t c;
  if (unw_init_local2(&c, &uc, interrupted ? UNW_INIT_SIGNAL_FRAME : 0) != 0) return 0;
  for (int i = 0; i < max; i++) out[i].call_site = true;
  out[0].call_site = !interrupted;
  return walk(&c, out, max, more);
}

int unwind_here(RawFrame* out, int max, bool* more, bool stop_at_signal) {
  *more = false;
  init_caching();
  unw_context_t uc;
  unw_getcontext(&uc);
  unw_cursor_t c;
  if (unw_init_local(&c, &uc) != 0) return 0;
  if (unw_step(&c) <= 0) return 0;  // skip unwind_here itself
  for (int i = 0; i < max; i++) out[i].call_site = true;
  return walk(&c, out, max, more, stop_at_signal);
}

}  // namespace gort::detail
