// gort/gc.h — objects on the collected heap.
//
//   struct Node {
//     gort::gc::Ptr<Node> left, right;   // heap-to-heap pointers: always gc::Ptr
//     int value = 0;
//     void trace(gort::gc::Tracer& t) const { t(left); t(right); }
//   };
//
//   Node* n = gort::gc::make<Node>();     // zeroed memory, then Node's constructor
//   n->left = gort::gc::make<Node>();     // a barriered store
//   gort::gc::Root<Node> keep = n;        // a pointer held outside the heap
//
// Where a pointer to a GC object may be held:
//  * in a GC object: only in a gc::Ptr<T> field, listed by the type's trace
//    method (a raw T* field there is invisible to the collector);
//  * on a goroutine's stack or in its registers: as a raw T*, a reference, a
//    gc::Ptr, anything — stacks and the saved registers of stopped goroutines
//    are scanned conservatively (any word that points into an object keeps it
//    alive, interior pointers included). The same holds for the captures of a
//    gort::go closure and for values in a buffered channel;
//  * anywhere else — globals, static or thread-local variables, std
//    containers, members of ordinary heap objects, the stacks of threads the
//    runtime does not own, the native stack of the thread that called
//    gort::run, a timer's std::function: only through a gc::Root<T>.
//  * inside gort::blocking(fn): fn must not create or touch GC objects; what
//    its caller's frames hold is kept alive.
//  * a variable on one goroutine's stack that *another* goroutine writes a
//    pointer into (through a captured reference) must be a gc::Ptr<T>: the
//    collector scans each stack once per cycle, and only a barriered store
//    tells it about a pointer that arrives afterwards. (Channels need
//    nothing: values sent over them are shaded on the way.)
//  * a pointer one goroutine reads from another's stack (through a captured
//    reference, or a pointer to a local) is kept alive by the owner's copy:
//    the owner must hold it until the reader has stored it into a GC object
//    or a gc::Root, or is done with it. A reader that only keeps it on its
//    own stack while the owner drops it can lose it (each stack is scanned
//    once per cycle, at its own time). To hand a pointer over for good, send
//    it over a channel. (Go has no such case: a variable another goroutine
//    can reach lives on the heap.)
//
// GC types. make<T> accepts:
//  * a type with a `void trace(gort::gc::Tracer&) const` method naming every
//    gc::Ptr it holds (and Weak/Slice/String fields as later parts add them);
//  * a pointer-free type: trivially copyable (a gc::Ptr is not, so a type that
//    holds one and has no trace method is rejected at compile time), or one
//    that says `static constexpr bool gc_pointer_free = true;`. Pointer-free
//    objects are never scanned (Go's noscan).
// Destructors are never run: a type with a non-trivial destructor is rejected
// at compile time (hold GC strings and slices instead of std ones; use
// finalizers for cleanup). Alignment up to 16 bytes.
#pragma once

#include <array>
#include <atomic>
#include <compare>
#include <cstring>
#include <functional>
#include <string>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "gort/panic.h"

namespace gort::gc {

class Tracer;
class String;
template <class T>
class Slice;

// What the collector knows about a GC type: one per type, made at compile time.
struct TypeInfo {
  std::uint32_t size;
  std::uint32_t align;
  void (*trace)(const void* obj, Tracer& t);  // null: the type holds no pointers
  const char* name;
  mutable std::atomic<std::uint32_t> id;  // assigned by the heap on first allocation
};

namespace detail {

// ---- the write barrier ----------------------------------------------------------
// True while the collector is marking. Every pointer store into the heap or a
// root reads it once: when it is false (almost always) the store is one load,
// a not-taken branch and the store itself.
extern "C" bool gort_gc_barrier_on;

// The slow paths: shade the old and new values, then store.
[[gnu::noinline]] void write_pointer_slow(void** slot, void* value);
// For initialising stores into fresh memory: only the new value is shaded.
[[gnu::noinline]] void init_pointer_slow(void** slot, void* value);
// Go's bulk barrier (typedslicecopy): copies `bytes` (a multiple of the word
// size; the ranges may overlap) from src to dst. While marking, every word of
// both ranges is offered to the barrier first (the old and the new values) —
// pointer words and, harmlessly, the integers beside them; those that are
// heap objects not yet marked are recorded. Otherwise it is one memmove.
void bulk_barrier_copy(void* dst, const void* src, std::size_t bytes);

// On x86-64 the check and the store form a restartable sequence: the stop-
// the-world signal, should it land between the two, moves the thread back to
// the check (base/restart.h), so that no goroutine can carry a stale "barrier
// off" across the pause that turns the barrier on.
#if defined(__x86_64__) && !defined(GORT_GC_PORTABLE_BARRIER)
#define GORT_GC_BARRIERED_STORE(slot, value, slow_fn)                                   \
  do {                                                                                 \
    asm goto(                                                                          \
        "1:\n\t"                                                                       \
        "cmpb $0, %[flag]\n\t"                                                         \
        "jne %l[slow]\n\t"                                                             \
        "movq %[val], %[mem]\n\t"                                                      \
        "2:\n\t"                                                                       \
        ".pushsection gort_restart_ranges,\"a?\",@progbits\n\t"                                 \
        ".balign 4\n\t"                                                                \
        ".long 1b - .\n\t"                                                             \
        ".long 2b - 1b\n\t"                                                            \
        ".popsection"                                                                  \
        : [mem] "=m"(*(slot))                                                          \
        : [flag] "m"(gort_gc_barrier_on), [val] "r"(value)                             \
        :                                                                              \
        : slow);                                                                       \
    break;                                                                             \
  slow:                                                                                \
    slow_fn(slot, value);                                                              \
  } while (0)
#else
// Elsewhere (and when asked to, e.g. for ThreadSanitizer builds) the check and
// the store are a no-suspend stretch marked in thread-local state.
void portable_store(void** slot, void* value, bool init);
#define GORT_GC_BARRIERED_STORE(slot, value, slow_fn) \
  ::gort::gc::detail::portable_store(slot, value, (slow_fn) == &init_pointer_slow)
#endif

[[gnu::always_inline]] inline void write_pointer(void** slot, void* value) {
  GORT_GC_BARRIERED_STORE(slot, value, write_pointer_slow);
}
[[gnu::always_inline]] inline void init_pointer(void** slot, void* value) {
  GORT_GC_BARRIERED_STORE(slot, value, init_pointer_slow);
}

// ---- tracing ---------------------------------------------------------------------
// The heap's address range, for the tracer's inline range check.
extern std::uintptr_t g_heap_base;
extern std::uintptr_t g_heap_size;
void mark_pointer(Tracer& t, const void* p);  // p is inside the heap

// The collector reads the pointer fields of heap objects (and the lengths of
// gc::String and gc::Slice fields) while goroutines store into them: by
// design, a concurrent mark (a racing store is covered by the write barrier,
// which shades the value it overwrites and the one it stores). Under
// ThreadSanitizer the Tracer makes those reads through tracer_load, out of
// line and not instrumented, so that TSan does not report the marker's side
// of every such store (docs/SANITIZERS.md); the mutator's own accesses stay
// instrumented. Without TSan the Tracer reads the fields directly, as always.
#if defined(__SANITIZE_THREAD__)
template <class W>
[[gnu::noinline]] __attribute__((no_sanitize("thread"))) W tracer_load(const W* p) {
  return *const_cast<const volatile W*>(p);
}
#define GORT_GC_TRACER_LOAD(field) ::gort::gc::detail::tracer_load(&(field))
#else
#define GORT_GC_TRACER_LOAD(field) (field)
#endif

// ---- allocation ------------------------------------------------------------------
void* alloc_object(const TypeInfo& type);  // zeroed; fatal off the runtime's threads
void* alloc_bytes(std::size_t n);           // pointer-free, zeroed (gc::String's bytes)
// An array of count elements of type elem (zeroed; a header before the
// elements tells the collector how to trace them). Returns the first element.
void* alloc_array(const TypeInfo& elem, std::size_t count);
// Go's slice-expression errors; bound_name is "capacity" (slices) or "length" (strings).
[[noreturn]] void slice_bounds_panic(std::size_t lo, std::size_t hi, std::size_t bound,
                                     const char* bound_name);
[[noreturn]] void panic_runtime_error_makeslice();
void** root_slot_alloc();
void root_slot_free(void** slot);
void** weak_slot_alloc(void* target);
void weak_slot_free(void** slot);
void* weak_slot_get(void** slot);  // shades the target while marking

// A finalizer's function object, type-erased: it lives off the heap, in the
// finalizer table, and is scanned as a root.
struct FinalizerFn {
  void (*run)(void* fn, void* obj);
  void (*destroy)(void* fn);
  void* fn;
  std::size_t size;
};
void set_finalizer_erased(void* obj, FinalizerFn fn);  // fn.fn == null: clear
void* finalizer_fn_alloc(std::size_t size, std::size_t align);

// The type's name from the compiler, for reports (checkmark failures).
template <class T>
constexpr std::string_view pretty_function() {
  return __PRETTY_FUNCTION__;
}
template <class T>
constexpr std::string_view type_name_view() {
  std::string_view f = pretty_function<T>();
  std::size_t start = f.find("T = ");
  if (start == std::string_view::npos) return "?";
  start += 4;
  std::size_t end = f.find_first_of(";]", start);
  return f.substr(start, end - start);
}
template <class T>
struct TypeName {
  static constexpr std::string_view view = type_name_view<T>();
  static constexpr auto chars = [] {
    std::array<char, view.size() + 1> a{};
    for (std::size_t i = 0; i < view.size(); i++) a[i] = view[i];
    return a;
  }();
};

template <class T>
concept Traceable = requires(const T& obj, Tracer& t) { obj.trace(t); };

template <class T>
concept DeclaredPointerFree = requires { requires T::gc_pointer_free == true; };

template <class T>
constexpr void check_gc_type() {
  static_assert(!std::is_array_v<T> && !std::is_reference_v<T> && !std::is_void_v<T>,
                "gort::gc::make<T>: T must be an object type (arrays come as gc slices)");
  static_assert(std::is_trivially_destructible_v<T>,
                "gort::gc::make<T>: T has a non-trivial destructor, which the collector "
                "never runs. Hold gc strings/slices instead of std ones, and use a "
                "finalizer for cleanup.");
  static_assert(alignof(T) <= 16, "gort::gc::make<T>: alignment above 16 bytes is not supported");
  static_assert(Traceable<T> || std::is_trivially_copyable_v<T> || DeclaredPointerFree<T>,
                "gort::gc::make<T>: T has no `void trace(gort::gc::Tracer&) const` method. A type "
                "holding gc::Ptr fields must list them in one; a pointer-free type that is not "
                "trivially copyable says `static constexpr bool gc_pointer_free = true;`.");
}

template <class T>
void trace_thunk(const void* obj, Tracer& t) {
  static_cast<const T*>(obj)->trace(t);
}

template <class T>
constexpr auto trace_fn() -> void (*)(const void*, Tracer&) {
  if constexpr (Traceable<T>) return &trace_thunk<T>;
  else return nullptr;
}

template <class T>
inline constinit TypeInfo type_info{
    static_cast<std::uint32_t>(sizeof(T)), static_cast<std::uint32_t>(alignof(T)),
    trace_fn<T>(), TypeName<T>::chars.data(), {0}};

}  // namespace detail

template <class T>
const TypeInfo& type_of() {
  detail::check_gc_type<T>();
  return detail::type_info<T>;
}

// ---- gc::Ptr ----------------------------------------------------------------------
// A pointer field of a GC object. Every store goes through the write barrier.
// Reads are plain loads. Converts to T* implicitly.
template <class T>
class Ptr {
 public:
  constexpr Ptr() noexcept = default;
  constexpr Ptr(std::nullptr_t) noexcept {}
  Ptr(T* p) noexcept { detail::init_pointer(slot(), p); }
  Ptr(const Ptr& o) noexcept { detail::init_pointer(slot(), o.p_); }
  template <class U>
    requires std::is_convertible_v<U*, T*>
  Ptr(const Ptr<U>& o) noexcept {
    detail::init_pointer(slot(), static_cast<T*>(o.get()));
  }
  ~Ptr() = default;

  Ptr& operator=(const Ptr& o) noexcept {
    detail::write_pointer(slot(), o.p_);
    return *this;
  }
  Ptr& operator=(T* p) noexcept {
    detail::write_pointer(slot(), p);
    return *this;
  }
  Ptr& operator=(std::nullptr_t) noexcept {
    detail::write_pointer(slot(), nullptr);
    return *this;
  }

  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  operator T*() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  friend class Tracer;
  void** slot() noexcept { return reinterpret_cast<void**>(const_cast<std::remove_cv_t<T>**>(&p_)); }
  T* p_ = nullptr;
};

// ---- the tracer ---------------------------------------------------------------------
// Passed to a type's trace method; call it on each gc::Ptr field.
class Tracer {
 public:
  template <class T>
  void operator()(const Ptr<T>& p) {
    visit(GORT_GC_TRACER_LOAD(p.p_));
  }
  inline void operator()(const String& s);
  template <class U>
  void operator()(const Slice<U>& s);
  // A pointer to (or into) a GC object held in some other form.
  void visit(const void* p) {
    auto a = reinterpret_cast<std::uintptr_t>(p);
    if (a - detail::g_heap_base < detail::g_heap_size) detail::mark_pointer(*this, p);
  }

 private:
  friend void detail::mark_pointer(Tracer&, const void*);
  friend struct TracerAccess;
  explicit Tracer(void* work) : work_(work) {}
  void* work_;
};

// ---- gc::String ------------------------------------------------------------------------
// An immutable string whose bytes live on the collected heap (pointer-free,
// never scanned). Copies share the bytes; substr shares them too. As a field
// of a GC object it is listed in trace like a gc::Ptr (t(name)); stores of it
// go through the write barrier. Compares and hashes by content, and with
// std::string_view without allocating.
class String {
 public:
  String() noexcept = default;
  String(std::string_view s) {
    if (!s.empty()) {
      char* p = static_cast<char*>(detail::alloc_bytes(s.size()));
      std::memcpy(p, s.data(), s.size());
      detail::init_pointer(slot(), p);
      len_ = s.size();
    }
  }
  String(const char* s) : String(std::string_view(s)) {}
  String(const String& o) noexcept : len_(o.len_) { detail::init_pointer(slot(), const_cast<char*>(o.data_)); }
  String& operator=(const String& o) noexcept {
    detail::write_pointer(slot(), const_cast<char*>(o.data_));
    len_ = o.len_;
    return *this;
  }
  ~String() = default;

  std::size_t size() const noexcept { return len_; }
  std::size_t length() const noexcept { return len_; }
  bool empty() const noexcept { return len_ == 0; }
  const char* data() const noexcept { return data_; }
  std::string_view view() const noexcept { return {data_, len_}; }
  operator std::string_view() const noexcept { return view(); }
  std::string str() const { return std::string(view()); }

  // Go's s[i]: out of range is the runtime error panic.
  char operator[](std::size_t i) const {
    if (i >= len_) panic_index(static_cast<std::int64_t>(i), static_cast<std::int64_t>(len_));
    return data_[i];
  }
  // Go's s[lo:hi], sharing the bytes.
  String substr(std::size_t lo, std::size_t hi) const {
    if (lo > hi || hi > len_) detail::slice_bounds_panic(lo, hi, len_, "length");
    String r;
    if (hi > lo) {
      detail::init_pointer(r.slot(), const_cast<char*>(data_ + lo));
      r.len_ = hi - lo;
    }
    return r;
  }

  friend bool operator==(const String& a, const String& b) noexcept { return a.view() == b.view(); }
  friend bool operator==(const String& a, std::string_view b) noexcept { return a.view() == b; }
  friend auto operator<=>(const String& a, const String& b) noexcept { return a.view() <=> b.view(); }
  friend auto operator<=>(const String& a, std::string_view b) noexcept { return a.view() <=> b; }
  friend String operator+(const String& a, std::string_view b) {
    String r;
    std::size_t n = a.len_ + b.size();
    if (n != 0) {
      char* p = static_cast<char*>(detail::alloc_bytes(n));
      if (a.len_ != 0) std::memcpy(p, a.data_, a.len_);
      if (!b.empty()) std::memcpy(p + a.len_, b.data(), b.size());
      detail::init_pointer(r.slot(), p);
      r.len_ = n;
    }
    return r;
  }

 private:
  friend class Tracer;
  void** slot() noexcept { return reinterpret_cast<void**>(const_cast<char**>(&data_)); }
  const char* data_ = nullptr;
  std::size_t len_ = 0;
};

inline void Tracer::operator()(const String& s) {
  if (GORT_GC_TRACER_LOAD(s.len_) != 0) visit(GORT_GC_TRACER_LOAD(s.data_));
}

// ---- gc::Slice -------------------------------------------------------------------------
// Go's slice: a view (pointer, length, capacity) of an array on the collected
// heap. Copies share the array. Elements are pointer-free values, gc::Ptr,
// gc::String, gc::Slice, or GC types with a trace method; stores into them go
// through their own barriers (gc::Ptr's, String's). As a field of a GC object
// it is listed in trace (t(items)). Out-of-range indexing and slicing are Go's
// runtime error panics.
namespace detail {
template <class E>
struct IsPtr : std::false_type {};
template <class U>
struct IsPtr<Ptr<U>> : std::true_type {};
template <class E>
struct IsSlice : std::false_type {};
template <class U>
struct IsSlice<Slice<U>> : std::true_type {};

template <class E>
constexpr bool pointer_free_element =
    !IsPtr<E>::value && !IsSlice<E>::value && !std::is_same_v<E, String> && !Traceable<E>;

// Elements whose copy is a bitwise copy plus barriers, so that arrays of them
// move with one bulk barrier: gc::Ptr, gc::Slice, gc::String.
template <class E>
constexpr bool bulk_barrier_element = IsPtr<E>::value || IsSlice<E>::value || std::is_same_v<E, String>;

// Copies n elements from src to dst (the ranges may overlap), as Go's
// typedslicecopy: bulk barrier for pointer elements, memmove for pointer-free
// trivially copyable ones, element by element otherwise (a user type's own
// assignment, through its fields' barriers).
template <class E>
void move_elements(E* dst, const E* src, std::size_t n) {
  if (n == 0 || dst == src) return;
  if constexpr (bulk_barrier_element<E>) {
    bulk_barrier_copy(dst, src, n * sizeof(E));
  } else if constexpr (std::is_trivially_copyable_v<E>) {
    std::memmove(static_cast<void*>(dst), src, n * sizeof(E));
  } else if (dst < src) {
    for (std::size_t i = 0; i < n; i++) dst[i] = src[i];
  } else {
    for (std::size_t i = n; i-- > 0;) dst[i] = src[i];
  }
}

template <class E>
void trace_element(const void* p, Tracer& t) {
  const E& e = *static_cast<const E*>(p);
  if constexpr (IsPtr<E>::value || IsSlice<E>::value || std::is_same_v<E, String>) t(e);
  else e.trace(t);
}

template <class E>
inline constinit TypeInfo element_info{static_cast<std::uint32_t>(sizeof(E)),
                                       static_cast<std::uint32_t>(alignof(E)), &trace_element<E>,
                                       TypeName<E>::chars.data(), {0}};

template <class E>
E* new_elements(std::size_t n) {
  static_assert(std::is_trivially_destructible_v<E>, "gort::gc::Slice: elements are never destroyed");
  static_assert(alignof(E) <= 16, "gort::gc::Slice: alignment above 16 bytes is not supported");
  if (n == 0) return nullptr;
  if constexpr (pointer_free_element<E>) {
    static_assert(std::is_trivially_copyable_v<E> || DeclaredPointerFree<E>,
                  "gort::gc::Slice<E>: E holds no gc pointer it declares: give it a trace method");
    if (n > (std::size_t{1} << 40) / sizeof(E)) panic_runtime_error_makeslice();
    E* p = static_cast<E*>(alloc_bytes(n * sizeof(E)));
    if constexpr (!std::is_trivially_default_constructible_v<E>)
      for (std::size_t i = 0; i < n; i++) ::new (p + i) E();
    return p;
  } else {
    E* p = static_cast<E*>(alloc_array(element_info<E>, n));
    for (std::size_t i = 0; i < n; i++) ::new (p + i) E();
    return p;
  }
}
}  // namespace detail

template <class T>
class Slice {
 public:
  Slice() noexcept = default;
  Slice(const Slice& o) noexcept : len_(o.len_), cap_(o.cap_) { detail::init_pointer(slot(), o.data_); }
  Slice& operator=(const Slice& o) noexcept {
    detail::write_pointer(slot(), o.data_);
    len_ = o.len_;
    cap_ = o.cap_;
    return *this;
  }
  ~Slice() = default;

  std::size_t size() const noexcept { return len_; }
  std::size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return len_ == 0; }
  bool is_nil() const noexcept { return data_ == nullptr; }
  T* data() const noexcept { return data_; }
  T* begin() const noexcept { return data_; }
  T* end() const noexcept { return data_ + len_; }

  T& operator[](std::size_t i) const {
    if (i >= len_) panic_index(static_cast<std::int64_t>(i), static_cast<std::int64_t>(len_));
    return data_[i];
  }
  // Go's s[lo:hi] (hi up to the capacity), sharing the array.
  Slice sub(std::size_t lo, std::size_t hi) const {
    if (lo > hi || hi > cap_) detail::slice_bounds_panic(lo, hi, cap_, "capacity");
    Slice r;
    detail::init_pointer(r.slot(), hi == lo && lo == cap_ ? data_ : data_ + lo);
    r.len_ = hi - lo;
    r.cap_ = cap_ - lo;
    return r;
  }

  // Go's make([]T, len, cap).
  static Slice make(std::size_t len, std::size_t cap) {
    if (len > cap) detail::slice_bounds_panic(0, len, cap, "capacity");
    Slice r;
    detail::init_pointer(r.slot(), detail::new_elements<T>(cap));
    r.len_ = len;
    r.cap_ = cap;
    return r;
  }

  // Go's append(s, v): in place when there is room, else into a new array
  // grown as Go grows it (double below 256 elements, then by about 1.25x).
  friend Slice append(Slice s, const T& v) {
    if (s.len_ == s.cap_) s.grow(s.len_ + 1);
    s.data_[s.len_] = v;
    s.len_++;
    return s;
  }

 private:
  template <class U>
  friend class Slice;
  friend class Tracer;
  void** slot() noexcept { return reinterpret_cast<void**>(&data_); }
  void grow(std::size_t need) {
    std::size_t cap = cap_;
    std::size_t doubled = cap * 2;
    if (need > doubled) {
      cap = need;
    } else if (cap < 256) {
      cap = doubled;
    } else {
      while (cap < need) cap += (cap + 3 * 256) / 4;
    }
    T* fresh = detail::new_elements<T>(cap);
    detail::move_elements(fresh, data_, len_);  // Go's bulk barrier, then one memmove
    detail::write_pointer(slot(), fresh);
    cap_ = cap;
  }
  T* data_ = nullptr;
  std::size_t len_ = 0;
  std::size_t cap_ = 0;
};

template <class T>
Slice<T> make_slice(std::size_t len) {
  return Slice<T>::make(len, len);
}
template <class T>
Slice<T> make_slice(std::size_t len, std::size_t cap) {
  return Slice<T>::make(len, cap);
}
// Go's copy(dst, src): min(len) elements (overlap allowed), with Go's bulk
// barrier for elements that hold pointers.
template <class T>
std::size_t copy(const Slice<T>& dst, const Slice<T>& src) {
  std::size_t n = dst.size() < src.size() ? dst.size() : src.size();
  detail::move_elements(dst.data(), src.data(), n);
  return n;
}

template <class U>
void Tracer::operator()(const Slice<U>& s) {
  if (GORT_GC_TRACER_LOAD(s.cap_) != 0) visit(GORT_GC_TRACER_LOAD(s.data_));
}

// ---- gc::Root -------------------------------------------------------------------------
// A pointer held outside the heap and outside goroutine stacks: in a global,
// a std container, a member of a non-GC object, on a thread the runtime does
// not own. The collector scans every live Root; creating and destroying one
// takes a short lock. Copies are independent roots.
template <class T>
class Root {
 public:
  Root() : slot_(detail::root_slot_alloc()) {}
  Root(std::nullptr_t) : Root() {}
  Root(T* p) : Root() { detail::write_pointer(slot_, const_cast<std::remove_cv_t<T>*>(p)); }
  Root(const Ptr<T>& p) : Root(p.get()) {}
  Root(const Root& o) : Root(o.get()) {}
  Root(Root&& o) noexcept : slot_(o.slot_) { o.slot_ = nullptr; }
  ~Root() {
    if (slot_ != nullptr) {
      detail::write_pointer(slot_, nullptr);
      detail::root_slot_free(slot_);
    }
  }
  Root& operator=(const Root& o) {
    if (slot_ == nullptr) slot_ = detail::root_slot_alloc();
    detail::write_pointer(slot_, const_cast<std::remove_cv_t<T>*>(o.get()));
    return *this;
  }
  Root& operator=(Root&& o) noexcept {
    if (this != &o) {
      this->~Root();
      slot_ = o.slot_;
      o.slot_ = nullptr;
    }
    return *this;
  }
  Root& operator=(T* p) {
    if (slot_ == nullptr) slot_ = detail::root_slot_alloc();
    detail::write_pointer(slot_, const_cast<std::remove_cv_t<T>*>(p));
    return *this;
  }

  T* get() const noexcept { return slot_ != nullptr ? static_cast<T*>(*slot_) : nullptr; }
  T* operator->() const noexcept { return get(); }
  T& operator*() const noexcept { return *get(); }
  operator T*() const noexcept { return get(); }
  explicit operator bool() const noexcept { return get() != nullptr; }

 private:
  void** slot_;
};

// ---- allocation -------------------------------------------------------------------------
// Allocates a T on the collected heap and constructs it with args. The memory
// is zeroed first. From a goroutine (or g0 of an M holding a P); from any
// other thread it is a fatal error.
template <class T, class... Args>
T* make(Args&&... args) {
  detail::check_gc_type<T>();
  void* mem = detail::alloc_object(detail::type_info<T>);
  return ::new (mem) T(std::forward<Args>(args)...);
}

// ---- finalizers ----------------------------------------------------------------------------
// Go's runtime.SetFinalizer: when obj (a pointer to the start of a GC object)
// is found unreachable, the association is cleared, obj survives that cycle,
// and fn(obj) runs on the finalizer goroutine. fn is copied; what it
// captures is kept alive. Misuse is a fatal error with Go's wording
// ("gort::gc::set_finalizer: finalizer already set", "...: first argument
// is nil", "...: pointer not at beginning of allocated block", "...: pointer
// not in allocated block"). clear_finalizer(obj) removes it (Go's
// SetFinalizer(obj, nil)).
template <class T, class F>
void set_finalizer(T* obj, F fn) {
  static_assert(std::is_invocable_v<F&, T*>, "gort::gc::set_finalizer: fn must be callable as fn(T*)");
  void* mem = detail::finalizer_fn_alloc(sizeof(F), alignof(F));
  ::new (mem) F(std::move(fn));
  detail::set_finalizer_erased(
      const_cast<std::remove_cv_t<T>*>(obj),
      detail::FinalizerFn{[](void* f, void* o) { (*static_cast<F*>(f))(static_cast<T*>(o)); },
                          [](void* f) { static_cast<F*>(f)->~F(); }, mem, sizeof(F)});
}
template <class T>
void clear_finalizer(T* obj) {
  detail::set_finalizer_erased(const_cast<std::remove_cv_t<T>*>(obj),
                               detail::FinalizerFn{nullptr, nullptr, nullptr, 0});
}

// ---- weak pointers -------------------------------------------------------------------------
// Reads as null once its object has been collected; does not keep it alive.
// get() returns a strong pointer (safe on the stack). Copies are independent.
template <class T>
class Weak {
 public:
  Weak() = default;
  Weak(T* p) : slot_(p != nullptr ? detail::weak_slot_alloc(const_cast<std::remove_cv_t<T>*>(p)) : nullptr) {}
  Weak(const Weak& o) : Weak(o.get()) {}
  Weak(Weak&& o) noexcept : slot_(o.slot_) { o.slot_ = nullptr; }
  Weak& operator=(const Weak& o) {
    if (this != &o) {
      reset();
      if (T* p = o.get()) slot_ = detail::weak_slot_alloc(const_cast<std::remove_cv_t<T>*>(p));
    }
    return *this;
  }
  Weak& operator=(Weak&& o) noexcept {
    if (this != &o) {
      reset();
      slot_ = o.slot_;
      o.slot_ = nullptr;
    }
    return *this;
  }
  ~Weak() { reset(); }
  void reset() {
    if (slot_ != nullptr) detail::weak_slot_free(slot_);
    slot_ = nullptr;
  }
  T* get() const { return slot_ != nullptr ? static_cast<T*>(detail::weak_slot_get(slot_)) : nullptr; }
  explicit operator bool() const { return get() != nullptr; }

 private:
  void** slot_ = nullptr;
};

// Keeps p's object alive up to this point (Go's runtime.KeepAlive).
inline void keep_alive(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

// ---- control ------------------------------------------------------------------------------
// Runs a full collection and returns when its mark and sweep are done (Go's
// runtime.GC). Call from a goroutine.
void collect();
// GOGC: the heap may grow to live * (1 + percent/100) before the next
// cycle; negative turns heap-triggered collection off. Returns the old value.
int set_gc_percent(int percent);
// GOMEMLIMIT (Go's debug.SetMemoryLimit): a soft limit in bytes on the heap;
// the goal becomes the smaller of GOGC's and the limit's. Negative only
// reads. Returns the old value (INT64_MAX: no limit).
std::int64_t set_memory_limit(std::int64_t limit);
// Go's parseByteCount, the syntax of GOMEMLIMIT: digits with an optional B,
// KiB, MiB, GiB or TiB suffix. False if malformed or out of range (then *out
// is unchanged).
bool parse_byte_count(const char* s, std::int64_t* out);

}  // namespace gort::gc

template <>
struct std::hash<gort::gc::String> {
  std::size_t operator()(const gort::gc::String& s) const noexcept {
    return std::hash<std::string_view>()(s.view());
  }
};
