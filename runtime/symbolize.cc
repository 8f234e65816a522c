// runtime/symbolize.cc — see symbolize.h.
//
// For a PC, libdwfl finds the module and its ELF symbol (the physical
// function, its entry and the +0x offset); dwarf_getscopes lists the DWARF
// scopes containing the PC, innermost first, where every
// DW_TAG_inlined_subroutine is one logical frame inlined into the next. The
// innermost logical frame's file:line comes from the line table; each outer
// one's from the DW_AT_call_file/DW_AT_call_line of the frame inlined into it.
#include "runtime/symbolize.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/clock.h"

namespace gort::detail {

namespace {

// A lock that knows its owner: a thread that fails while symbolizing must not
// wait for itself, and a report must not wait forever for a stuck thread.
struct OwnedLock {
  std::atomic<pid_t> owner{0};
  bool lock() {
    static thread_local pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
    pid_t self = tid;
    if (owner.load(std::memory_order_relaxed) == self) return false;
    std::int64_t deadline = 0;
    for (int spins = 0;; spins++) {
      pid_t expected = 0;
      if (owner.compare_exchange_weak(expected, self, std::memory_order_acquire)) return true;
      if (spins > 100) {
        if (deadline == 0) deadline = base::nanotime() + 2'000'000'000;
        if (base::nanotime() > deadline) return false;
        sched_yield();
      }
    }
  }
  void unlock() { owner.store(0, std::memory_order_release); }
};

struct Entry {
  std::vector<SymFrame> frames;
};

// Every function with code in one compilation unit, by address range.
struct FnRange {
  Dwarf_Addr lo, hi;
  Dwarf_Off off;
};

struct State {
  OwnedLock lock;
  std::unordered_map<const void*, std::vector<FnRange>> fn_index;  // by CU DIE
  std::unordered_map<const void*, Dwarf_Die> scope_parent;          // by DIE, for scopes
  Dwfl* dwfl = nullptr;
  bool failed = false;
  std::unordered_map<std::uintptr_t, Entry> cache;       // by lookup address
  std::unordered_map<std::uintptr_t, int> inline_cache;  // by lookup address
  std::unordered_set<std::string> strings;               // interned names and paths
};

State& state() {
  static State* s = new State();
  return *s;
}

const char* intern(State& s, std::string_view v) {
  return s.strings.emplace(v).first->c_str();
}

char* debuginfo_path = nullptr;
const Dwfl_Callbacks kCallbacks = {
    dwfl_linux_proc_find_elf,
    dwfl_standard_find_debuginfo,
    nullptr,
    &debuginfo_path,
};

bool ensure_dwfl(State& s) {
  if (s.dwfl != nullptr) return true;
  if (s.failed) return false;
  s.dwfl = dwfl_begin(&kCallbacks);
  if (s.dwfl == nullptr) {
    s.failed = true;
    return false;
  }
  dwfl_report_begin(s.dwfl);
  if (dwfl_linux_proc_report(s.dwfl, getpid()) != 0 ||
      dwfl_report_end(s.dwfl, nullptr, nullptr) != 0) {
    dwfl_end(s.dwfl);
    s.dwfl = nullptr;
    s.failed = true;
    return false;
  }
  return true;
}

std::string demangle_name(const char* name) {
  if (name == nullptr) return "?";
  if (name[0] != '_' || name[1] != 'Z') return name;
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || d == nullptr) return name;
  std::string out(d);
  std::free(d);
  return out;
}

std::string qualified_scope_name(Dwarf_Die* die, int depth);
const std::vector<FnRange>& unit_index(Dwarf_Die* cu);

// The name of a DWARF function DIE (subprogram or inlined subroutine): its
// demangled linkage name, else (GCC omits it for some inlined functions,
// lambdas' call operators among them) its name qualified by the enclosing
// scopes, with "(...)" for the unknown parameters.
std::string die_function_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  const char* name = nullptr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) != nullptr ||
      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr) != nullptr) {
    name = dwarf_formstring(&attr);
    if (name != nullptr) return demangle_name(name);
  }
  std::string q = qualified_scope_name(die, 0);
  return q.empty() ? std::string("?") : q + "(...)";
}

// Follows DW_AT_specification / DW_AT_abstract_origin to the DIE that names
// a function or type and sits in its scope.
Dwarf_Die defining_die(Dwarf_Die die) {
  for (int hops = 0; hops < 4; hops++) {
    Dwarf_Attribute attr;
    Dwarf_Die next;
    if ((dwarf_attr(&die, DW_AT_abstract_origin, &attr) == nullptr &&
         dwarf_attr(&die, DW_AT_specification, &attr) == nullptr) ||
        dwarf_formref_die(&attr, &next) == nullptr)
      break;
    die = next;
  }
  return die;
}

std::string qualified_scope_name(Dwarf_Die* in, int depth) {
  Dwarf_Die die = defining_die(*in);
  int tag = dwarf_tag(&die);
  const char* base = dwarf_diename(&die);
  std::string name;
  if (base != nullptr) {
    name = base;
  } else if (tag == DW_TAG_namespace) {
    name = "(anonymous namespace)";
  } else if (tag == DW_TAG_class_type || tag == DW_TAG_structure_type) {
    name = "{lambda}";
  } else {
    name = "?";
  }
  if (depth > 8) return name;
  // The nearest enclosing scope with a name (lexical blocks have none), from
  // the unit's index (dwarf_getscopes_die would walk the unit every time).
  Dwarf_Die cudie;
  if (dwarf_diecu(&die, &cudie, nullptr, nullptr) == nullptr) return name;
  unit_index(&cudie);
  auto& parents = state().scope_parent;
  Dwarf_Die parent;
  const void* key = die.addr;
  for (;;) {
    auto it = parents.find(key);
    if (it == parents.end()) return name;
    parent = it->second;
    if (dwarf_tag(&parent) != DW_TAG_lexical_block) break;
    key = parent.addr;
  }
  int ptag = dwarf_tag(&parent);
  if (ptag == DW_TAG_compile_unit || ptag == DW_TAG_partial_unit) return name;
  std::string p = qualified_scope_name(&parent, depth + 1);
  if (ptag == DW_TAG_subprogram) p += "()";
  return p + "::" + name;
}

const char* call_file(Dwarf_Die* cu, Dwarf_Die* inl) {
  Dwarf_Attribute attr;
  Dwarf_Word idx;
  if (dwarf_attr(inl, DW_AT_call_file, &attr) == nullptr || dwarf_formudata(&attr, &idx) != 0)
    return nullptr;
  Dwarf_Files* files;
  size_t nfiles;
  if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles) return nullptr;
  return dwarf_filesrc(files, idx, nullptr, nullptr);
}

int call_line(Dwarf_Die* inl) {
  Dwarf_Attribute attr;
  Dwarf_Word line;
  if (dwarf_attr(inl, DW_AT_call_line, &attr) == nullptr || dwarf_formudata(&attr, &line) != 0)
    return 0;
  return static_cast<int>(line);
}

// Depth-first search of a DIE tree for the function scopes containing addr.
// (dwarf_getscopes descends only into scopes that contain the address, so it
// misses functions whose DIEs sit inside another function's, such as a local
// lambda's call operator.) Appends the chain outermost first.
bool find_function_scopes(Dwarf_Die* parent, Dwarf_Addr addr, std::vector<Dwarf_Die>& chain) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return false;
  do {
    int tag = dwarf_tag(&child);
    bool is_code = tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
                   tag == DW_TAG_lexical_block;
    if (is_code && dwarf_haspc(&child, addr) == 1) {
      if (tag != DW_TAG_lexical_block) chain.push_back(child);
      find_function_scopes(&child, addr, chain);
      return true;
    }
    // Only scopes can hold a function: skip variables, parameters, call
    // sites, enumerations and the like, which are most of a unit's DIEs.
    bool may_hold_function = tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
                             tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
                             tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block ||
                             tag == DW_TAG_inlined_subroutine;
    if (may_hold_function && dwarf_haschildren(&child) && find_function_scopes(&child, addr, chain))
      return true;
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

void index_functions(Dwarf_Die* parent, std::vector<FnRange>& out,
                     std::unordered_map<const void*, Dwarf_Die>& parents) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (tag == DW_TAG_subprogram) {
      Dwarf_Addr base, lo, hi;
      ptrdiff_t off = 0;
      while ((off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0)
        out.push_back(FnRange{lo, hi, dwarf_dieoffset(&child)});
    }
    bool may_hold_function = tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
                             tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
                             tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block ||
                             tag == DW_TAG_inlined_subroutine;
    if (may_hold_function) {
      parents.emplace(child.addr, *parent);
      if (dwarf_haschildren(&child)) index_functions(&child, out, parents);
    }
  } while (dwarf_siblingof(&child, &child) == 0);
}

// Indexes the unit of cu once: its functions' ranges, and the parent of every
// scope (namespace, class, function) for naming.
const std::vector<FnRange>& unit_index(Dwarf_Die* cu) {
  State& s = state();
  auto it = s.fn_index.find(cu->addr);
  if (it == s.fn_index.end()) {
    std::vector<FnRange> v;
    index_functions(cu, v, s.scope_parent);
    it = s.fn_index.emplace(cu->addr, std::move(v)).first;
  }
  return it->second;
}

// The innermost function DIE of cu whose code contains addr (built once per
// unit: one walk instead of one per address).
bool function_containing(Dwarf_Die* cu, Dwarf_Addr addr, Dwarf_Die* out) {
  const FnRange* best = nullptr;
  for (const FnRange& r : unit_index(cu))
    if (addr >= r.lo && addr < r.hi && (best == nullptr || r.hi - r.lo < best->hi - best->lo)) best = &r;
  if (best == nullptr) return false;
  return dwarf_offdie(dwarf_cu_getdwarf(cu->cu), best->off, out) != nullptr;
}

// The inlined-subroutine scopes containing addr, innermost first.
int inlined_scopes(Dwarf_Die* cu, Dwarf_Addr addr, std::vector<Dwarf_Die>& out) {
  std::vector<Dwarf_Die> chain;
  // (dwarf_getscopes would walk the unit's top-level DIEs on every call and
  // miss a function whose DIE sits inside another's, such as a local
  // lambda's operator(): the unit's function index finds either.)
  {
    Dwarf_Die fn;
    if (!function_containing(cu, addr, &fn)) return -1;
    chain.push_back(fn);
    find_function_scopes(&fn, addr, chain);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (dwarf_tag(&*it) == DW_TAG_inlined_subroutine) out.push_back(*it);
  return static_cast<int>(out.size());
}

void lookup(State& s, std::uintptr_t addr, Entry& e) {
  SymFrame phys;
  Dwfl_Module* mod = ensure_dwfl(s) ? dwfl_addrmodule(s.dwfl, addr) : nullptr;
  if (mod == nullptr) {
    e.frames.push_back(phys);
    return;
  }
  GElf_Off off = 0;
  GElf_Sym sym;
  const char* symname = dwfl_module_addrinfo(mod, addr, &off, &sym, nullptr, nullptr, nullptr);
  if (symname != nullptr) {
    // "f() [clone .isra.0]", "f() [clone .cold]": parts and variants the
    // compiler made of f are f.
    std::string name = demangle_name(symname);
    if (std::size_t c = name.find(" [clone"); c != std::string::npos) name.resize(c);
    phys.function = intern(s, name);
    phys.entry = addr - off;
  }
  // The C++ exception machinery (libgcc's unwinder, libstdc++'s personality
  // and terminate) is runtime plumbing too.
  const char* modname = dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  bool eh_module = modname != nullptr && (std::strstr(modname, "libgcc_s") != nullptr ||
                                          (std::strstr(modname, "libstdc++") != nullptr && symname == nullptr));
  if (Dwfl_Line* line = dwfl_module_getsrc(mod, addr)) {
    int lineno = 0;
    const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
    if (file != nullptr) phys.file = intern(s, file);
    phys.line = lineno;
  }
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, addr, &bias);
  std::vector<Dwarf_Die> inl;
  if (cu != nullptr) inlined_scopes(cu, addr - bias, inl);
  // Innermost logical frame: named by the innermost inlined subroutine, at
  // the line table's location. Each outer one sits at the call site of the
  // frame inlined into it; the last is the physical function.
  const char* file = phys.file;
  int line = phys.line;
  for (auto& die : inl) {
    SymFrame f;
    f.function = intern(s, die_function_name(&die));
    f.file = file;
    f.line = line;
    f.entry = phys.entry;
    f.inlined = true;
    e.frames.push_back(f);
    file = call_file(cu, &die);
    if (file != nullptr) file = intern(s, file);
    line = call_line(&die);
  }
  phys.file = file;
  phys.line = line;
  e.frames.push_back(phys);
  bool phys_runtime = eh_module || is_runtime_function(e.frames.back().function);
  for (auto& f : e.frames) {
    f.runtime = eh_module || is_runtime_function(f.function);
    // Library code the runtime inlined (std::string in gort's own functions).
    if (phys_runtime && f.inlined && std::strncmp(f.function, "std::", 5) == 0) f.runtime = true;
  }
}

}  // namespace

bool is_runtime_function(const char* name) {
  // All of gort is the runtime here: its public API frames (Chan::recv,
  // Mutex::lock, gort::sleep, the go/run/Defer wrappers) are hidden too, the
  // way Go shows main.main() and not runtime.chanrecv1 for a blocked receive.
  static constexpr std::string_view kPrefixes[] = {
      "gort::", "boost::context::", "std::__invoke", "std::invoke<", "std::__invoke_r",
  };
  static constexpr std::string_view kNames[] = {
      "make_fcontext", "jump_fcontext", "ontop_fcontext", "trampoline", "finish",
      "_start", "__libc_start_main", "__libc_start_main_impl", "__libc_start_call_main",
      "start_thread", "clone", "clone3", "__clone3", "__restore_rt",
      "gort_sigpanic", "gort_sigpanic_trampoline", "__gxx_personality_v0", "std::terminate()",
  };
  std::string_view n(name);
  // A compiler-split part of a function is that function.
  if (std::size_t clone = n.find(" [clone"); clone != std::string_view::npos) n = n.substr(0, clone);
  if (n.size() > 5 && n.substr(n.size() - 5) == ".cold") n.remove_suffix(5);
  // Skip a demangled template's return type ("void gort::panic<...>(...)").
  std::size_t stop = n.find_first_of("<(");
  std::size_t space = n.substr(0, stop).rfind(' ');
  if (space != std::string_view::npos) n.remove_prefix(space + 1);
  for (auto p : kPrefixes)
    if (n.substr(0, p.size()) == p) return true;
  for (auto k : kNames)
    if (n == k) return true;
  return false;
}

int symbolize(std::uintptr_t pc, bool call_site, SymFrame* out, int max) {
  if (max <= 0) return 0;
  std::uintptr_t addr = call_site && pc > 0 ? pc - 1 : pc;
  State& s = state();
  if (!s.lock.lock()) {
    out[0] = SymFrame{};
    return 1;
  }
  auto it = s.cache.find(addr);
  if (it == s.cache.end()) {
    it = s.cache.emplace(addr, Entry{}).first;
    lookup(s, addr, it->second);
  }
  int n = 0;
  for (const SymFrame& f : it->second.frames) {
    if (n == max) break;
    out[n++] = f;
  }
  s.lock.unlock();
  return n;
}

bool same_function(std::uintptr_t a, std::uintptr_t b) {
  if (a == b) return true;
  if (a == 0 || b == 0) return false;
  SymFrame fa[64], fb[64];
  int na = symbolize(a, false, fa, 64);
  int nb = symbolize(b, false, fb, 64);
  if (na == 0 || nb == 0 || fa[na - 1].entry != a || fb[nb - 1].entry != b) return false;
  auto base = [](std::string_view n) {
    if (std::size_t c = n.find(" [clone"); c != std::string_view::npos) n = n.substr(0, c);
    return n;
  };
  return base(fa[na - 1].function) == base(fb[nb - 1].function);
}

std::uintptr_t function_entry(std::uintptr_t pc, bool call_site) {
  SymFrame f[64];
  int n = symbolize(pc, call_site, f, 64);
  return n > 0 ? f[n - 1].entry : 0;
}

int inline_depth(std::uintptr_t call_site_pc) {
  std::uintptr_t addr = call_site_pc - 1;
  State& s = state();
  if (!s.lock.lock()) return -1;
  int depth = -1;
  auto it = s.inline_cache.find(addr);
  if (it != s.inline_cache.end()) {
    depth = it->second;
  } else {
    Dwfl_Module* mod = ensure_dwfl(s) ? dwfl_addrmodule(s.dwfl, addr) : nullptr;
    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = mod != nullptr ? dwfl_module_addrdie(mod, addr, &bias) : nullptr;
    if (cu != nullptr) {
      std::vector<Dwarf_Die> inl;
      depth = inlined_scopes(cu, addr - bias, inl);
      // GCC's partial inlining splits a function and inlines the split-off
      // part back into it: consecutive scopes of one function are one frame.
      if (depth > 0) {
        depth = 0;
        std::uintptr_t prev = 0;
        for (auto& die : inl) {
          Dwarf_Die origin = defining_die(die);
          std::uintptr_t off = dwarf_dieoffset(&origin);
          if (off != prev) depth++;
          prev = off;
        }
      }
    }
    s.inline_cache.emplace(addr, depth);
  }
  s.lock.unlock();
  return depth;
}

}  // namespace gort::detail
