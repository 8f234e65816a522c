// runtime/traceback.cc — see traceback.h.
#include "runtime/traceback.h"

#include <stdlib.h>

#include <atomic>
#include <climits>
#include <cstring>

#include "base/clock.h"
#include "runtime/symbolize.h"
#include "runtime/unwind.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

constexpr int kMaxFrames = 100;  // Go ≤ 1.20's _TracebackMaxFrames, counted in visited frames
constexpr int kMaxRaw = 128;     // physical frames unwound per goroutine

// level | all<<8 | crash<<9, as one word so readers never see half an update.
std::atomic<std::uint32_t> g_setting{1};
std::atomic<bool> g_setting_ready{false};

std::uint32_t encode(TracebackSetting t) {
  return static_cast<std::uint32_t>(t.level & 0xff) | (t.all ? 1u << 8 : 0) | (t.crash ? 1u << 9 : 0);
}
TracebackSetting decode(std::uint32_t w) {
  TracebackSetting t;
  t.level = static_cast<int>(w & 0xff);
  t.all = (w >> 8) & 1;
  t.crash = (w >> 9) & 1;
  return t;
}

bool parse_uint(const char* s, int* out) {
  if (*s == '\0') return false;
  long long v = 0;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') return false;
    v = v * 10 + (*s - '0');
    if (v > UINT32_MAX) return false;
  }
  *out = static_cast<int>(v > 255 ? 255 : v);
  return true;
}

void hex_field(base::Printer& out, const char* name, std::uintptr_t v) {
  out.str(name).hex(v);
}

}  // namespace

TracebackSetting parse_traceback(const char* v) {
  TracebackSetting t;
  if (v == nullptr || std::strcmp(v, "") == 0 || std::strcmp(v, "single") == 0) {
    t.level = 1;
  } else if (std::strcmp(v, "none") == 0) {
    t.level = 0;
  } else if (std::strcmp(v, "all") == 0) {
    t.level = 1;
    t.all = true;
  } else if (std::strcmp(v, "system") == 0) {
    t.level = 2;
    t.all = true;
  } else if (std::strcmp(v, "crash") == 0) {
    t.level = 2;
    t.all = true;
    t.crash = true;
  } else {
    // Go: any other value means "all", at the level it spells as a number
    // (0 when it is not one, which prints nothing).
    t.all = true;
    int n = 0;
    t.level = parse_uint(v, &n) ? n : 0;
  }
  return t;
}

void traceback_init() {
  g_setting.store(encode(parse_traceback(getenv("GOTRACEBACK"))));
  g_setting_ready.store(true);
}

TracebackSetting traceback_setting() {
  if (!g_setting_ready.load(std::memory_order_acquire)) traceback_init();
  return decode(g_setting.load());
}

void traceback_raise(const char* value) {
  TracebackSetting want = parse_traceback(value);
  TracebackSetting have = traceback_setting();
  // debug.SetTraceback: the environment's setting is a floor.
  if (want.level < have.level) want.level = have.level;
  want.all = want.all || have.all;
  want.crash = want.crash || have.crash;
  g_setting.store(encode(want));
}

TracebackSetting gotraceback(ThrowType throwing) {
  TracebackSetting t = traceback_setting();
  if (throwing >= ThrowType::user) t.all = true;
  if (throwing >= ThrowType::runtime) t.level = 2;
  return t;
}

namespace {

// One pass over the frames; prints only when out is non-null.
int emit(base::Printer* out, const RawFrame* frames, int start, bool origin_frame, int n,
         bool more, int level, bool show_runtime) {
  int visited = 0, printed = 0;
  bool first = true;
  bool elided = false;
  std::uintptr_t panic_entry = gopanic_entry();
  for (int i = start; i < n && !elided; i++) {
    const RawFrame& f = frames[i];
    SymFrame sf[16];
    int k = symbolize(f.pc, f.call_site, sf, 16);
    // Frames inlined into the origin's function sit above the origin.
    int j0 = (i == start && origin_frame) ? k - 1 : 0;
    for (int j = j0; j < k; j++) {
      if (visited == kMaxFrames) {
        elided = true;
        break;
      }
      visited++;
      bool is_panic = f.proc != 0 && f.proc == panic_entry && !sf[j].inlined;
      bool show = show_runtime || !sf[j].runtime || (is_panic && !first);
      first = false;
      if (!show) continue;
      printed++;
      if (out == nullptr) continue;
      out->str(is_panic ? "panic(...)" : sf[j].function).nl();
      out->ch('\t').str(sf[j].file != nullptr ? sf[j].file : "?").ch(':').i64(sf[j].line);
      if (!sf[j].inlined) {
        std::uintptr_t entry = sf[j].entry != 0 ? sf[j].entry : f.proc;
        if (entry != 0 && f.pc > entry) out->str(" +").hex(f.pc - entry);
        if (level >= 2) {
          hex_field(*out, " fp=", f.fp);
          hex_field(*out, " sp=", f.sp);
          hex_field(*out, " pc=", f.pc);
        }
      }
      out->nl();
    }
  }
  if (!elided && more) elided = true;
  if (elided && out != nullptr) out->str("...additional frames elided...\n");
  return printed;
}

}  // namespace

int print_frames(base::Printer& out, const RawFrame* frames, int n, bool more,
                 std::uintptr_t origin, int level) {
  int start = 0;
  bool found = false;
  if (origin != 0) {
    for (int i = 0; i < n; i++) {
      if (frames[i].proc == origin) {
        start = i;
        found = true;
        break;
      }
    }
  }
  bool show_runtime = level >= 2;
  // Go: if the filter leaves nothing, print every frame.
  if (!show_runtime && emit(nullptr, frames, start, found, n, more, level, false) == 0)
    show_runtime = true;
  return emit(&out, frames, start, found, n, more, level, show_runtime);
}

void print_goroutine_header(base::Printer& out, G* gp) {
  out.str("goroutine ").i64(gp->id).str(" [");
  // Acquire: the status is stored with release after the wait reason and
  // time (gopark, then detach), so they are read as of that park (a race
  // TSan found in a dying report printed while a goroutine parked).
  GStatus st = gp->status.load(std::memory_order_acquire);
  if (st == GStatus::waiting && gp->wait_reason != WaitReason::zero) {
    out.str(wait_reason_string(gp->wait_reason));
  } else {
    out.str(status_string(st));
  }
  if (st == GStatus::waiting && gp->waitsince != 0) {
    std::int64_t minutes = (base::nanotime() - gp->waitsince) / 60'000'000'000;
    if (minutes >= 1) out.str(", ").i64(minutes).str(" minutes");
  }
  out.str("]:\n");
}

void print_created_by(base::Printer& out, G* gp, int level) {
  if (gp->gopc == 0 || gp->is_main || gp->id == 1) return;
  SymFrame sf[16];
  int k = symbolize(gp->gopc, true, sf, 16);
  // gort::go is inlined into its caller: name the first frame that is not
  // the runtime's, at every level — the function with the go statement. If
  // all are the runtime's, Go prints it only at level 2.
  int j = 0;
  while (j < k && sf[j].runtime) j++;
  if (j == k) {
    if (level < 2) return;
    j = 0;
  }
  {
    out.str("created by ").str(sf[j].function).str(" in goroutine ").i64(gp->parent_id).nl();
    out.ch('\t').str(sf[j].file != nullptr ? sf[j].file : "?").ch(':').i64(sf[j].line);
    if (sf[j].entry != 0 && gp->gopc > sf[j].entry) out.str(" +").hex(gp->gopc - sf[j].entry);
    out.nl();
    return;
  }
}

void traceback_goroutine(base::Printer& out, G* gp, int level) {
  print_goroutine_header(out, gp);
  GStatus st = gp->status.load(std::memory_order_relaxed);
  Regs regs;
  bool interrupted = false;
  bool have = false;
  if (st == GStatus::running) {
    M* m = gp->m;
    if (m != nullptr && m->suspended.load(std::memory_order_acquire) && m->curg == gp) {
      regs = regs_from_gregs(m->suspended_regs);
      interrupted = true;
      have = true;
    } else {
      out.str("\tgoroutine running on other thread; stack unavailable\n");
    }
  } else if (st == GStatus::syscall) {
    if (gp->syscall_pc != 0) {
      regs.rip = gp->syscall_pc;
      regs.rsp = gp->syscall_sp;
      regs.rbp = gp->syscall_bp;
      have = true;
    }
  } else if (gp->stack.lo != nullptr && gp->ctx != nullptr) {
    regs = regs_from_context(gp->ctx);
    have = true;
  }
  if (have) {
    RawFrame frames[kMaxRaw];
    bool more = false;
    int n = unwind_from(regs, interrupted, frames, kMaxRaw, &more);
    print_frames(out, frames, n, more, 0, level);
  }
  print_created_by(out, gp, level);
}

void traceback_interrupted(base::Printer& out, const void* sigctx, int level) {
  Regs regs = regs_from_ucontext(sigctx);
  RawFrame frames[kMaxRaw];
  bool more = false;
  int n = unwind_from(regs, true, frames, kMaxRaw, &more);
  print_frames(out, frames, n, more, 0, level);
}

void traceback_failing(base::Printer& out, G* gp, const void* sigctx, std::uintptr_t origin,
                       int level) {
  Regs regs = sigctx != nullptr ? regs_from_ucontext(sigctx) : regs_from_context(gp->ctx);
  RawFrame frames[kMaxRaw];
  bool more = false;
  int n = unwind_from(regs, sigctx != nullptr, frames, kMaxRaw, &more);
  print_frames(out, frames, n, more, origin, level);
}

namespace {

struct OthersCtx {
  base::Printer* out;
  G* me;
  G* curg;
  int level;
};

}  // namespace

void traceback_others(base::Printer& out, G* me, int level) {
  M* m = tls_m;
  G* curg = m != nullptr ? m->curg : nullptr;
  if (curg != nullptr && curg != me) {
    out.nl();
    traceback_goroutine(out, curg, level);
  }
  OthersCtx ctx{&out, me, curg, level};
  allgs_each(
      [](G* gp, void* p) {
        auto* c = static_cast<OthersCtx*>(p);
        if (gp == c->me || gp == c->curg || gp->id == 0) return;
        if (gp->status.load(std::memory_order_relaxed) == GStatus::dead) return;
        if (gp->is_system && c->level < 2) return;
        c->out->nl();
        traceback_goroutine(*c->out, gp, c->level);
      },
      &ctx);
}

void traceback_here(base::Printer& out, std::uintptr_t origin, int level) {
  RawFrame frames[kMaxRaw];
  bool more = false;
  int n = unwind_here(frames, kMaxRaw, &more, true);
  print_frames(out, frames, n, more, origin, level);
}

}  // namespace gort::detail
