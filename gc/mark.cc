// gc/mark.cc — see mark.h.
#include "gc/mark.h"

#include "gc/collector.h"
#include "gc/conservative_read.h"
#include "gc/deadstack.h"
#include "gc/special.h"
#include "gc/specials_table.h"
#include "gc/work.h"

#include <sys/ucontext.h>

#include <algorithm>
#include <cstring>

#include "base/alloc.h"
#include "base/osmem.h"
#include "base/fail.h"
#include "base/print.h"
#include "base/rootrange.h"
#include "sched/sched.h"


namespace gort::gc {



struct TracerAccess {
  static Tracer make(MarkState* ms) { return Tracer(ms); }
  static MarkState* state(Tracer& t) { return static_cast<MarkState*>(t.work_); }
};

// Work stacks live in their own mappings (base/osmem.h): they grow while
// the world is stopped or while a thread is held for its stack scan.
void WorkStack::grow() {
  if (fixed) {
    work_put(data, len);
    len = 0;
    return;
  }
  std::size_t ncap = cap == 0 ? 8192 : cap * 2;
  auto* nd = static_cast<std::uintptr_t*>(
      base::os_realloc(data, cap * sizeof(std::uintptr_t), ncap * sizeof(std::uintptr_t)));
  if (nd == nullptr) gort::detail::throw_("runtime: out of memory (mark stack)");
  data = nd;
  cap = ncap;
}

void WorkStack::release() {
  base::os_free(data, cap * sizeof(std::uintptr_t));
  data = nullptr;
  len = cap = 0;
}

namespace {

[[noreturn, gnu::noinline]] void checkmark_failure(MarkState& ms, Span* s, std::uint32_t idx) {
  std::uintptr_t obj = s->object_at(idx);
  {
    base::Printer pr;
    pr.str("runtime: checkmarks found unexpected unmarked object obj=").hex(obj).str("\n");
    pr.str("runtime: object type=")
        .str(s->type != nullptr ? s->type->name : "(pointer-free)")
        .str(" size=")
        .u64(s->elemsize)
        .str(" span.base()=")
        .hex(s->base)
        .str(" span.limit=")
        .hex(s->base + std::uintptr_t{s->npages} * kPageSize)
        .str("\n");
    const auto* w = reinterpret_cast<const std::uint64_t*>(obj);
    pr.str("runtime: object words: ").hex(w[0]).str(" ").hex(w[1]).str(" ").hex(w[2]).str(" ").hex(w[3])
        .str("; slot ").u64(idx).str(" of ").u64(s->nelems).str(", freeindex ").u64(s->freeindex)
        .str(", alloc bit ").u64(s->alloc_bits[idx / 64] >> (idx % 64) & 1)
        .str(", span sweepgen ").u64(s->sweepgen.load()).str(" heap sweepgen ").u64(heap().sweepgen.load())
        .str("\n");
    if (ms.scanning != 0) {
      Span* from = heap().span_of(reinterpret_cast<void*>(ms.scanning));
      pr.str("runtime: found in object ")
          .hex(ms.scanning)
          .str(" type=")
          .str(from != nullptr && from->type != nullptr ? from->type->name : "?")
          .str("\n");
    } else if (ms.root_kind != nullptr) {
      pr.str("runtime: found in root: ").str(ms.root_kind).str(" at ").hex(ms.root_word);
      std::uintptr_t then;
      if (ms.root_g != nullptr && ms.root_goid != 0 && scanned_word(ms.root_g, ms.root_word, &then)) {
        pr.str(" (word ").hex(*reinterpret_cast<const std::uintptr_t*>(ms.root_word));
        if (then != 0) pr.str(", at the scan ").hex(then).str(")");
        else pr.str(", no heap address at the scan)");
      }
      if (ms.root_goid != 0) pr.str(" (goroutine ").i64(ms.root_goid).str(")");
      pr.str("\n");
      if (const gort::detail::G* gp = ms.root_g; gp != nullptr && ms.root_goid != 0) {
        pr.str("runtime: goroutine stack=[").hex(reinterpret_cast<std::uintptr_t>(gp->stack.lo)).str(", ")
            .hex(reinterpret_cast<std::uintptr_t>(gp->stack.hi)).str(") concurrent scan from sp=")
            .hex(gp->gcscan_sp).str(" in cycle ").u64(gp->gcscan_gen)
            .str(gp->gcscan_cleared ? ", dead stack below it cleared\n" : "\n");
      }
    }
  }  // printed before the throw
  gort::detail::throw_("checkmark found unmarked object");
}

[[noreturn, gnu::noinline]] void bad_pointer(MarkState& ms, std::uintptr_t p, Span* s) {
  {
    base::Printer pr;
    pr.str("runtime: pointer ")
        .hex(p)
        .str(" to unallocated slot of span base=")
        .hex(s->base)
        .str(" elemsize=")
        .u64(s->elemsize)
        .str("\n");
    if (ms.scanning != 0) pr.str("runtime: found in object ").hex(ms.scanning).str("\n");
  }
  gort::detail::throw_("found bad pointer in gort heap");
}

inline void mark_slot(MarkState& ms, Span* s, std::uint32_t idx) {
  if (!ms.checkmark) [[likely]] {
    if (s->try_mark(idx)) {
      ms.marked_bytes += s->sizeclass == 0 ? std::int64_t{s->npages} * kPageSize : s->elemsize;
      ms.marked_objects++;
      if (s->kind != SpanKind::noscan) ms.work.push(s->object_at(idx));
    }
    return;
  }
  std::uint64_t bit = std::uint64_t{1} << (idx % 64);
  std::uint64_t& w = s->check_bits[idx / 64];
  if ((w & bit) != 0) return;
  w |= bit;
  if (!s->marked(idx) && !ms.lenient) checkmark_failure(ms, s, idx);
  if (s->kind != SpanKind::noscan) ms.work.push(s->object_at(idx));
}

// gccheckmark's strict stack pass: does the word at ms.root_word, which
// holds addr, the start of an object the concurrent mark missed, hold
// something else than what the scan read there? Then it is not held against
// the mark (gc/deadstack.h), unless a test vouches for the word. Unknown
// scan-time value: not held either.
bool changed_since_scan(const MarkState& ms, std::uintptr_t addr) {
  if (stack_word_checked_by_test(ms.root_word)) return false;
  std::uintptr_t then;
  return ms.root_g == nullptr || !scanned_word(ms.root_g, ms.root_word, &then) || then != addr;
}

}  // namespace

void flush_mark_counts(MarkState& ms) {
  Collector& c = collector();
  if (ms.marked_bytes != 0) c.marked_bytes.fetch_add(ms.marked_bytes, std::memory_order_relaxed);
  if (ms.marked_objects != 0) c.marked_objects.fetch_add(ms.marked_objects, std::memory_order_relaxed);
  ms.marked_bytes = 0;
  ms.marked_objects = 0;
}

void mark_conservative(MarkState& ms, std::uintptr_t addr) {
  Span* s;
  std::uint32_t idx;
  if (!find_slot(addr, &s, &idx)) return;
  if (!s->allocated(idx)) return;  // a stale word pointing at a free slot
  // gccheckmark's strict stack pass holds only object starts against the
  // concurrent mark (mark.h): a word pointing inside an object is as likely
  // a stale pointer with its low byte overwritten (a struct's small first
  // field) as a live interior pointer. The lenient pass marks it later.
  // The same goes for a word written since the scan (changed_since_scan).
  if (ms.strict_bases_only && !ms.lenient &&
      (addr != s->object_at(idx) || (!s->marked(idx) && changed_since_scan(ms, addr))))
    return;
  mark_slot(ms, s, idx);
}

GORT_CONSERVATIVE_READ void scan_conservative(MarkState& ms, const void* lo, const void* hi) {
  auto a = (reinterpret_cast<std::uintptr_t>(lo) + 7) & ~std::uintptr_t{7};
  auto b = reinterpret_cast<std::uintptr_t>(hi) & ~std::uintptr_t{7};
  std::uintptr_t base = detail::g_heap_base, size = detail::g_heap_size;
  for (; a < b; a += 8) {
    std::uintptr_t w = *reinterpret_cast<const volatile std::uintptr_t*>(a);
    if (w - base < size) {
      ms.root_word = a;  // for a checkmark report
      mark_conservative(ms, w);
    }
  }
}

namespace detail {

void mark_pointer(Tracer& t, const void* p) {
  MarkState& ms = *TracerAccess::state(t);
  auto addr = reinterpret_cast<std::uintptr_t>(p);
  Span* s;
  std::uint32_t idx;
  if (!find_slot(addr, &s, &idx)) return;
  if (!s->allocated(idx)) [[unlikely]]
    bad_pointer(ms, addr, s);
  mark_slot(ms, s, idx);
}

}  // namespace detail



std::uintptr_t object_base(std::uintptr_t addr) {
  if (addr - detail::g_heap_base >= detail::g_heap_size) return 0;
  Span* s;
  std::uint32_t idx;
  if (!find_slot(addr, &s, &idx) || !s->allocated(idx)) return 0;
  return s->object_at(idx);
}

// Large arrays are scanned in oblets of kObletBytes (Go's maxObletBytes):
// the first look at one queues the start of every other piece, and each
// piece is scanned on its own, so that no marker — an assist charged to an
// allocating goroutine, above all — spends milliseconds in one object. (A
// 1.6 MB slice of pointers, scanned whole by an assist, was the worst push
// of gc-latency: 1–4 ms, at the end of every cycle.) Go's pieces are 128 KiB;
// ours are 32 KiB because a worker's step is a no-suspend stretch that a
// stop of the world waits for (4096 pointers: tens of microseconds). An
// element belongs to the piece its first byte is in.
constexpr std::uintptr_t kObletBytes = 32 << 10;

// Scans one grey object, or one oblet of a large array (obj is then inside
// the array, at a piece boundary): its type's trace, or each element's.
inline void scan_object(MarkState& ms, Tracer& tracer, Span* s, std::uintptr_t obj) {
  if (s->kind == SpanKind::array) {
    const std::uintptr_t base = s->sizeclass == 0 ? s->base : obj;
    const auto* h = reinterpret_cast<const ArrayHeader*>(base);
    const TypeInfo* elem = __atomic_load_n(&h->elem, __ATOMIC_ACQUIRE);
    if (elem == nullptr || elem->trace == nullptr) return;  // header not written yet: nothing stored
    std::size_t room = s->sizeclass == 0 ? std::size_t{s->npages} * kPageSize : s->elemsize;
    std::size_t count = std::min(h->count, (room - sizeof(ArrayHeader)) / elem->size);
    const std::uintptr_t first = base + sizeof(ArrayHeader);
    const std::uintptr_t end = first + count * elem->size;
    std::size_t i_begin = 0, i_end = count;
    if (s->sizeclass == 0 && end - base > kObletBytes) {
      if (obj == base) {
        for (std::uintptr_t o = base + kObletBytes; o < end; o += kObletBytes) ms.work.push(o);
      }
      auto index_at = [&](std::uintptr_t a) -> std::size_t {  // first element starting at or after a
        if (a <= first) return 0;
        return std::min<std::size_t>(count, (a - first + elem->size - 1) / elem->size);
      };
      i_begin = index_at(obj);
      i_end = index_at(obj + kObletBytes);
    }
    ms.scanned_bytes += static_cast<std::int64_t>((i_end - i_begin) * elem->size);
    auto p = first + i_begin * elem->size;
    for (std::size_t i = i_begin; i < i_end; i++, p += elem->size) elem->trace(reinterpret_cast<const void*>(p), tracer);
    return;
  }
  if (s->type == nullptr) return;
  ms.scanned_bytes += s->elemsize;
  s->type->trace(reinterpret_cast<const void*>(obj), tracer);
}

// Grey objects go through a small FIFO on their way from the mark stack to
// scan_object, and are prefetched as they enter it: by the time one is
// scanned, the kPrefetchDistance - 1 taken after it are on their way into
// the cache (Cher, Hosking and Vijaykumar's prefetch buffer for mark-sweep).
// A large heap of small objects is otherwise scanned at the pace of one
// cache miss per object. Objects still in the FIFO when the budget runs out
// go back on the stack.
constexpr std::size_t kPrefetchDistance = 8;

std::size_t drain_n(MarkState& ms, std::size_t max, std::int64_t scan_limit) {
  Tracer tracer = TracerAccess::make(&ms);
  Heap& h = heap();
  std::uintptr_t fifo[kPrefetchDistance];
  std::size_t head = 0, count = 0;
  std::size_t n = 0;
  while (n < max && ms.scanned_bytes < scan_limit) {
    std::uintptr_t next;
    while (count < kPrefetchDistance && ms.work.pop(&next)) {
      __builtin_prefetch(reinterpret_cast<const void*>(next));
      fifo[(head + count) % kPrefetchDistance] = next;
      count++;
    }
    if (count == 0) break;
    std::uintptr_t obj = fifo[head];
    head = (head + 1) % kPrefetchDistance;
    count--;
    n++;
    Span* s = h.span_of(reinterpret_cast<void*>(obj));
    if (s == nullptr) continue;
    ms.scanning = obj;
    scan_object(ms, tracer, s, obj);
  }
  for (; count > 0; count--, head = (head + 1) % kPrefetchDistance) ms.work.push(fifo[head]);
  ms.scanning = 0;
  return n;
}

void mark_referents(MarkState& ms, std::uintptr_t obj) {
  Span* s = heap().span_of(reinterpret_cast<void*>(obj));
  if (s == nullptr) return;
  Tracer tracer = TracerAccess::make(&ms);
  scan_object(ms, tracer, s, obj);
}

void drain(MarkState& ms) {
  while (drain_n(ms, SIZE_MAX) != 0) {
  }
}

// ---- roots
// ---------------------------------------------------------------------

namespace {

using gort::detail::G;
using gort::detail::GStatus;
using gort::detail::M;
using gort::detail::P;

// Where the live part of a stopped goroutine's stack begins, or its low end
// when that cannot be known (then all of it is scanned: safe, if slower).
std::uintptr_t live_stack_start(G* gp, GStatus st) {
  auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
  auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
  std::uintptr_t sp = lo;
  M* m = gp->m;
  switch (st) {
    case GStatus::running:
      if (m != nullptr && m->curg == gp) {
        if (m->on_g0) {
          sp = reinterpret_cast<std::uintptr_t>(gp->ctx);  // in systemstack or switching out
        } else if (m->suspended.load(std::memory_order_acquire)) {
          sp = m->suspended_sp - 128;  // and the red zone below it
        }
      }
      break;
    case GStatus::syscall:
      // gort::blocking spilled the caller's registers above this point; what
      // the blocking function does below it is not ours to see.
      sp = gp->syscall_sp;
      break;
    default:
      sp = reinterpret_cast<std::uintptr_t>(gp->ctx);  // saved registers sit at ctx
      break;
  }
  if (sp < lo || sp > hi) sp = lo;
  return sp;
}

void scan_goroutine(G* gp, void* ctx) {
  auto& ms = *static_cast<MarkState*>(ctx);
  GStatus st = gp->status.load(std::memory_order_acquire);
  if (st == GStatus::dead) return;
  ms.root_goid = gp->id;
  ms.root_g = gp;
  ms.root_kind = "goroutine closure";
  if (gp->fn != nullptr && gp->fn_size != 0)
    scan_conservative(ms, gp->fn, static_cast<char*>(gp->fn) + gp->fn_size);
  if (gp->stack.lo == nullptr) return;
  ms.root_kind = "goroutine stack";
  std::uintptr_t sp = live_stack_start(gp, st);
  auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
  if (!ms.checkmark) {
    ms.stack_bytes += static_cast<std::int64_t>(hi - sp);
    scan_conservative(ms, reinterpret_cast<void*>(sp), gp->stack.hi);
    if (ms.gen != 0) {
      gp->gcscan_sp = sp;
      gp->gcscan_gen = ms.gen;
      gp->gcscan_cleared = false;
      if (collector().settings.checkmark) record_scanned_stack(gp);
      // gccheckmark: the memory below a held goroutine's live stack is dead
      // (gc/deadstack.h); not so below a blocking call's spill point.
      if (collector().settings.checkmark && st != GStatus::syscall) gp->gcscan_cleared = clear_dead_stack(gp, sp);
    }
    return;
  }
  // gccheckmark: strict where the concurrent mark scanned, and below it too
  // when the scan cleared the dead stack there; lenient elsewhere.
  std::uintptr_t strict_lo = hi;
  // (A scan point outside the current stack belongs to an earlier life of
  // this G: nothing strict.)
  if (gp->gcscan_gen == ms.gen && gp->gcscan_sp >= reinterpret_cast<std::uintptr_t>(gp->stack.lo) &&
      gp->gcscan_sp <= hi) {
    strict_lo = sp > gp->gcscan_sp ? sp : gp->gcscan_sp;
    if (gp->gcscan_cleared) strict_lo = sp;
  }
  if (strict_lo > hi) strict_lo = hi;
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer no stack word is held strictly: the
  // instrumentation leaves bounds (one past the end of an object, which is
  // the next one's start) and stale copies in frames, and the reports they
  // caused were false (gc/README.md). Heap words are still checked.
  strict_lo = hi;
#endif
  ms.strict_bases_only = true;
  scan_conservative(ms, reinterpret_cast<void*>(strict_lo), gp->stack.hi);
  ms.strict_bases_only = false;
  // The lenient pass covers the whole live stack (what the strict pass
  // skipped, and everything below it).
  ms.lenient_ranges.push(sp);
  ms.lenient_ranges.push(hi);
}

}  // namespace

void scan_goroutine_world_stopped(MarkState& ms, G* gp) { scan_goroutine(gp, &ms); }

namespace {

void scan_range(const void* lo, std::size_t size, void* ctx) {
  scan_conservative(*static_cast<MarkState*>(ctx), lo, static_cast<const char*>(lo) + size);
}

}  // namespace

// Calls fn for every goroutine from a snapshot, without holding the allgs
// lock while fn runs (a mark may throw, and the report walks allgs too).
GoroutineSnapshot::GoroutineSnapshot() {
  using namespace gort::detail;
  std::int64_t cap = sched().ngoroutines.load() + 64;
  for (;;) {
    bytes_ = static_cast<std::size_t>(cap) * sizeof(G*);
    gs = static_cast<G**>(base::os_alloc(bytes_));
    if (gs == nullptr) gort::detail::throw_("runtime: out of memory (stack roots)");
    n = allgs_snapshot(gs, cap);
    if (n <= cap) return;
    base::os_free(gs, bytes_);
    cap = n + 64;
  }
}

GoroutineSnapshot::~GoroutineSnapshot() { base::os_free(gs, bytes_); }

void for_each_goroutine_unlocked(void (*fn)(G*, void*), void* ctx) {
  GoroutineSnapshot snap;
  for (std::int64_t i = 0; i < snap.n; i++) fn(snap.gs[i], ctx);
}

void mark_roots(MarkState& ms) {
  using namespace gort::detail;
  Sched& s = sched();
  // Registers of threads the stop signal caught in user code (whichever
  // goroutine's code they were running).
  ms.root_kind = "registers of a stopped goroutine";
  for (std::int32_t i = 0; i < s.nallp; i++) {
    P* p = s.allp[i];
    if (p == nullptr || p->status.load(std::memory_order_acquire) != PStatus::gcstop) continue;
    M* m = p->m;
    if (m == nullptr || !m->suspended.load(std::memory_order_acquire)) continue;
    if (ms.checkmark) {  // a register may hold a dead value: lenient
      auto regs = reinterpret_cast<std::uintptr_t>(m->suspended_regs);
      auto xmm = reinterpret_cast<std::uintptr_t>(m->suspended_xmm);
      ms.lenient_ranges.push(regs);
      ms.lenient_ranges.push(regs + NGREG * sizeof(std::uintptr_t));
      ms.lenient_ranges.push(xmm);
      ms.lenient_ranges.push(xmm + sizeof m->suspended_xmm);
      continue;
    }
    scan_conservative(ms, m->suspended_regs, m->suspended_regs + NGREG);
    scan_conservative(ms, m->suspended_xmm, m->suspended_xmm + M::kVectorWords);
  }
  for_each_goroutine_unlocked([](G* gp, void* ctx) { scan_goroutine(gp, ctx); }, &ms);
  ms.root_goid = 0;
  ms.root_g = nullptr;
  mark_global_roots(ms);
}

void mark_global_roots(MarkState& ms) {
  ms.root_kind = "root handle";
  scan_root_slots(ms);
  ms.root_kind = "registered range (channel buffer)";
  base::root_range_each(scan_range, &ms);
  ms.root_kind = nullptr;
  mark_finalizer_roots(ms);
  mark_finalizer_queue(ms);
}

}  // namespace gort::gc

namespace gort::gc {

bool heap_object_allocated(const void* p) {
  if (!heap_initialized()) return false;
  Span* s;
  std::uint32_t idx;
  if (!find_slot(reinterpret_cast<std::uintptr_t>(p), &s, &idx)) return false;
  return s->allocated(idx);
}

// Test hook (collector.h): clears the mark of an object after the mark.
void (*g_testing_after_mark)() = nullptr;

void testing_unmark(const void* p) {
  Span* s;
  std::uint32_t idx;
  if (!find_slot(reinterpret_cast<std::uintptr_t>(p), &s, &idx)) return;
  s->mark_bits[idx / 64].fetch_and(~(std::uint64_t{1} << (idx % 64)), std::memory_order_relaxed);
}

}  // namespace gort::gc
