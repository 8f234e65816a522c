// fuzz/map_fuzz.cc — gort::Map operation sequences against std::unordered_map.
//
// The input is a sequence of operations, each one opcode byte and its
// arguments, applied to three maps at once, each with its own model:
//   0  Map<int64_t, int64_t>            (noscan buckets)
//   1  Map<gc::String, gc::Ptr<Obj>>    (scan buckets; keys short and > 16 bytes)
//   2  Map<double, int64_t>             (NaN, +0/-0, infinities, ...)
// Operations: set, erase, get, lookup, contains, clear, clone (checked, then
// one side mutated to show they share nothing), a range with mutation (sets,
// erases, clear, a forced grow, a GC cycle, as Go allows), a bulk insert or
// erase (growth, same-size grows, tombstones), gc::collect() (gccheckmark and
// gcpoison on), a full comparison, the nil map, a new map with a size hint.
// Every operation's result is compared with the model; the input ends with a
// full comparison of all three maps.
//
// A range checks Go's guarantees: an entry is returned at most once, with its
// current value; an entry present at the start and not deleted before the
// range ends is returned; a deleted entry is never returned after its delete.
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fuzz/host.h"
#include "gc/collector.h"
#include "gort/gort.h"

namespace gc = gort::gc;
using fuzz_host::Bytes;
using gort::Map;

namespace {

struct Obj {
  std::int64_t value = 0;
  std::int64_t check = 0;
  explicit Obj(std::int64_t v = 0) : value(v), check(~v) {}
  void trace(gc::Tracer&) const {}
};

constexpr int kMaxCollects = 3;      // gc::collect() per input (each is a full cycle)
constexpr int kMaxBulk = 30000;      // bulk-inserted entries per input

struct Budget {
  int collects = 0;
  int bulk = 0;
  bool collect() {
    if (collects >= kMaxCollects) return false;
    collects++;
    gc::collect();
    return true;
  }
};

// ---- adapters: one per key/value type, all modelled as int64 -> int64 ----------

struct IntKeys {
  using M = Map<std::int64_t, std::int64_t>;
  static const char* name() { return "Map<int64,int64>"; }
  static M make(std::int64_t hint) { return gort::make_map<std::int64_t, std::int64_t>(hint); }
  static void set(const M& m, std::int64_t k, std::int64_t v) { m.set(k, v); }
  static void erase(const M& m, std::int64_t k) { m.erase(k); }
  static bool lookup(const M& m, std::int64_t k, std::int64_t& v, int how) {
    switch (how % 3) {
      case 0: {
        auto [got, ok] = m.lookup(k);
        v = got;
        if (!ok) FUZZ_CHECK(got == 0, "lookup of absent key %lld gave %lld", (long long)k, (long long)got);
        return ok;
      }
      case 1: {
        bool ok = m.contains(k);
        std::int64_t got = m.get(k);
        if (!ok) FUZZ_CHECK(got == 0, "get of absent key %lld gave %lld", (long long)k, (long long)got);
        v = got;
        return ok;
      }
      default: {
        v = m.get(k);
        bool ok = m.contains(k);
        return ok;
      }
    }
  }
  static std::int64_t key(std::int64_t k) { return k; }
  static std::int64_t value(std::int64_t v) { return v; }
};

std::string key_name(std::int64_t k) {
  // Short keys (one or two hash words) and keys over 16 bytes (the folded hash).
  if (k % 3 == 0) return "long-key-" + std::to_string(k) + "-of-the-map-fuzzer";
  return "k" + std::to_string(k);
}

std::int64_t name_key(std::string_view s) {
  std::size_t at = s[0] == 'k' ? 1 : 9;
  return std::strtoll(std::string(s.substr(at)).c_str(), nullptr, 10);
}

struct StringKeys {
  using M = Map<gc::String, gc::Ptr<Obj>>;
  static const char* name() { return "Map<gc::String,gc::Ptr<Obj>>"; }
  static M make(std::int64_t hint) { return gort::make_map<gc::String, gc::Ptr<Obj>>(hint); }
  static void set(const M& m, std::int64_t k, std::int64_t v) { m.set(gc::String(key_name(k)), gc::make<Obj>(v)); }
  static void erase(const M& m, std::int64_t k) { m.erase(key_name(k)); }
  static bool lookup(const M& m, std::int64_t k, std::int64_t& v, int how) {
    std::string n = key_name(k);
    gc::Ptr<Obj> o;
    bool ok;
    switch (how % 3) {
      case 0: {
        auto r = m.lookup(std::string_view(n));
        o = r.value;
        ok = r.ok;
        break;
      }
      case 1:
        o = m.get(n);
        ok = m.contains(n);
        break;
      default: {
        gc::String gs(n);  // a GC string with other bytes than the stored key
        auto r = m.lookup(gs);
        o = r.value;
        ok = r.ok;
      }
    }
    if (!ok) {
      FUZZ_CHECK(o.get() == nullptr, "absent key %s gave a non-nil value", n.c_str());
      return false;
    }
    FUZZ_CHECK(o.get() != nullptr, "key %s present with a nil value", n.c_str());
    v = value(o);
    return true;
  }
  static std::int64_t key(const gc::String& s) {
    FUZZ_CHECK(!s.empty(), "empty key returned");
    return name_key(s.view());
  }
  static std::int64_t value(const gc::Ptr<Obj>& o) {
    FUZZ_CHECK(o.get() != nullptr, "nil value");
    FUZZ_CHECK(o->check == ~o->value, "corrupt value object (%lld, %lld)", (long long)o->value,
               (long long)o->check);
    return o->value;
  }
};

std::int64_t int_key(Bytes& in) {
  std::uint8_t b = in.u8();
  if (b >= 250) return static_cast<std::int64_t>(in.u64());
  return static_cast<std::int64_t>(b) - 60;  // a small range: hits, erases of present keys
}

// ---- the int64-modelled maps -------------------------------------------------------

template <class A>
class Tester {
 public:
  using M = typename A::M;
  explicit Tester(Budget& b) : budget_(b), m_(A::make(0)) {}

  void check_size(const char* where) {
    FUZZ_CHECK(m_.size() == model_.size(), "%s: %s size %zu, model %zu", A::name(), where, m_.size(),
               model_.size());
  }

  void check_key(std::int64_t k) {
    std::int64_t v = -1;
    bool ok = A::lookup(m_, k, v, static_cast<int>(k & 0xff));
    auto it = model_.find(k);
    FUZZ_CHECK(ok == (it != model_.end()), "%s: key %lld found=%d, model %d", A::name(), (long long)k, ok,
               it != model_.end());
    if (ok) FUZZ_CHECK(v == it->second, "%s: key %lld value %lld, model %lld", A::name(), (long long)k,
                       (long long)v, (long long)it->second);
  }

  void set(std::int64_t k, std::int64_t v) {
    A::set(m_, k, v);
    model_[k] = v;
  }
  void erase(std::int64_t k) {
    A::erase(m_, k);
    model_.erase(k);
  }

  void verify(const M& m, const char* what) {
    FUZZ_CHECK(m.size() == model_.size(), "%s %s: size %zu, model %zu", A::name(), what, m.size(), model_.size());
    std::unordered_set<std::int64_t> seen;
    for (auto [key, value] : m) {
      std::int64_t k = A::key(key), v = A::value(value);
      FUZZ_CHECK(seen.insert(k).second, "%s %s: key %lld twice in a range", A::name(), what, (long long)k);
      auto it = model_.find(k);
      FUZZ_CHECK(it != model_.end(), "%s %s: extra key %lld", A::name(), what, (long long)k);
      FUZZ_CHECK(it->second == v, "%s %s: key %lld value %lld, model %lld", A::name(), what, (long long)k,
                 (long long)v, (long long)it->second);
    }
    FUZZ_CHECK(seen.size() == model_.size(), "%s %s: range saw %zu of %zu", A::name(), what, seen.size(),
               model_.size());
    for (auto& [k, v] : model_) {
      std::int64_t got = -1;
      FUZZ_CHECK(A::lookup(m, k, got, static_cast<int>(k & 0xff)), "%s %s: key %lld missing", A::name(), what,
                 (long long)k);
      FUZZ_CHECK(got == v, "%s %s: key %lld value %lld, model %lld", A::name(), what, (long long)k,
                 (long long)got, (long long)v);
    }
  }

  void clone(Bytes& in) {
    M c = m_.clone();
    if (m_.is_nil()) FUZZ_CHECK(c.is_nil(), "%s: clone of nil map is not nil", A::name());
    verify(c, "clone");
    // Keep going with one of the two; fill and clear the other.
    M other = c;
    if (in.u8() & 1) std::swap(m_, other);
    if (!other.is_nil()) {
      int n = in.u8() % 64;
      for (int i = 0; i < n; i++) A::set(other, 1'000'000 + i, i);
      if (in.u8() & 1) other.clear();
    }
    check_size("after clone");
  }

  void bulk(Bytes& in) {
    bool erase = in.u8() & 1;
    int n = in.u8() * 8 + 1;
    std::int64_t base = static_cast<std::int64_t>(in.u8()) * 1000;
    if (budget_.bulk + n > kMaxBulk) return;
    budget_.bulk += n;
    for (int i = 0; i < n; i++) {
      if (erase) this->erase(base + i);
      else set(base + i, base * 7 + i);
    }
    check_size("after bulk");
  }

  // A range that mutates the map as Go allows.
  void range(Bytes& in) {
    std::unordered_set<std::int64_t> must, deleted, returned;
    for (auto& [k, v] : model_) must.insert(k);
    std::uint8_t mode = in.u8();
    bool force_grow = mode & 1;
    int every = 1 + (mode >> 1) % 8;  // mutate after every `every`-th entry
    int step = 0;
    std::vector<std::int64_t> fresh;
    for (auto [key, value] : m_) {
      std::int64_t k = A::key(key), v = A::value(value);
      // Once each, unless it was deleted (and so re-added) during the range:
      // Go's spec lets an entry created during iteration be produced.
      FUZZ_CHECK(returned.insert(k).second || deleted.count(k), "%s range: key %lld returned twice", A::name(),
                 (long long)k);
      auto it = model_.find(k);
      FUZZ_CHECK(it != model_.end(), "%s range: key %lld returned but not in the map (deleted=%d)", A::name(),
                 (long long)k, deleted.count(k) ? 1 : 0);
      FUZZ_CHECK(it->second == v, "%s range: key %lld value %lld, model %lld", A::name(), (long long)k,
                 (long long)v, (long long)it->second);
      if (force_grow) {
        // Grow right after the first entry: the range then walks an array
        // being evacuated under it.
        force_grow = false;
        auto* h = m_.table();
        std::size_t room = 13 * ((std::size_t{1} << h->log2_buckets) / 2);
        if (!h->growing() && room - h->count < 5000) {
          while (!h->growing() || fresh.size() < 16) {
            std::int64_t fk = 2'000'000 + static_cast<std::int64_t>(fresh.size());
            set(fk, fk);
            fresh.push_back(fk);
          }
        }
      }
      if (++step % every != 0) continue;
      std::uint8_t op = in.u8();
      switch (op % 8) {
        case 0: case 1: {
          std::int64_t mk = int_key(in);
          set(mk, static_cast<std::int64_t>(in.u16()));
          break;
        }
        case 2: case 3: case 4: {
          std::int64_t mk = int_key(in);
          erase(mk);
          deleted.insert(mk);
          break;
        }
        case 5:
          // Delete the entry just returned, and maybe the next ones.
          erase(k);
          deleted.insert(k);
          break;
        case 6:
          if ((op >> 3) == 0) {
            m_.clear();
            for (auto& [mk, mv] : model_) deleted.insert(mk);
            model_.clear();
          } else {
            check_key(int_key(in));
          }
          break;
        case 7:
          if ((op >> 3) < 4) budget_.collect();
          break;
      }
    }
    for (std::int64_t k : must) {
      if (deleted.count(k) == 0)
        FUZZ_CHECK(returned.count(k), "%s range: key %lld present throughout but never returned", A::name(),
                   (long long)k);
    }
    for (std::int64_t fk : fresh) erase(fk);
    check_size("after range");
  }

  void verify_all() { verify(m_, "at the end"); }

  void nil_map() {
    M n;
    FUZZ_CHECK(n.is_nil() && n.size() == 0, "nil map not empty");
    std::int64_t v;
    FUZZ_CHECK(!A::lookup(n, 1, v, 0) && !A::lookup(n, 1, v, 1) && !A::lookup(n, 1, v, 2), "nil map lookup hit");
    A::erase(n, 1);
    n.clear();
    for (auto kv : n) {
      (void)kv;
      FUZZ_CHECK(false, "range over nil map returned an entry");
    }
    FUZZ_CHECK(n.clone().is_nil(), "clone of nil map");
    std::string msg;
    gort::func([&] {
      gort::Defer d([&] {
        if (auto r = gort::recover()) msg = r.message();
      });
      A::set(n, 1, 1);
    });
    FUZZ_CHECK(msg == "assignment to entry in nil map", "set on nil map: recovered \"%s\"", msg.c_str());
  }

  void op(std::uint8_t code, Bytes& in) {
    switch (code) {
      case 0: case 1: case 2: {
        std::int64_t k = int_key(in);
        set(k, static_cast<std::int64_t>(in.u16()) - 1000);
        break;
      }
      case 3: case 4:
        erase(int_key(in));
        break;
      case 5: case 6:
        check_key(int_key(in));
        break;
      case 7:
        if (in.u8() < 64) {
          m_.clear();
          model_.clear();
          FUZZ_CHECK(m_.empty(), "%s: not empty after clear", A::name());
        }
        break;
      case 8:
        clone(in);
        break;
      case 9:
        range(in);
        break;
      case 10:
        bulk(in);
        break;
      case 11:
        if (in.u8() < 128) budget_.collect();
        verify(m_, "after collect");
        break;
      case 12:
        verify(m_, "verify");
        break;
      case 13: {
        std::uint8_t b = in.u8();
        if (b < 32) {
          nil_map();
        } else if (b < 48) {
          // A new map with a size hint (negative hints count as 0), refilled.
          std::int64_t hint = static_cast<std::int64_t>(static_cast<std::int8_t>(in.u8())) * 97;
          M fresh = A::make(hint);
          for (auto& [k, v] : model_) A::set(fresh, k, v);
          m_ = fresh;
          verify(m_, "remade");
        }
        break;
      }
    }
    check_size("after op");
  }

 private:
  Budget& budget_;
  M m_;
  std::unordered_map<std::int64_t, std::int64_t> model_;
};

// ---- Map<double, int64_t>: NaN and signed zero -------------------------------------

std::uint64_t bits(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

double float_key(Bytes& in) {
  static const double special[] = {0.0,
                                   -0.0,
                                   std::numeric_limits<double>::quiet_NaN(),
                                   -std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::denorm_min(),
                                   -std::numeric_limits<double>::denorm_min(),
                                   std::numeric_limits<double>::max(),
                                   std::numeric_limits<double>::lowest(),
                                   0.5,
                                   -1.0};
  std::uint8_t b = in.u8();
  if (b < 96) return special[b % 12];
  if (b == 255) {
    double d;
    std::uint64_t r = in.u64();
    std::memcpy(&d, &r, 8);
    return d;
  }
  return static_cast<double>(b) - 170.0;
}

class FloatTester {
 public:
  using M = Map<double, std::int64_t>;
  explicit FloatTester(Budget& b) : budget_(b), m_(gort::make_map<double, std::int64_t>()) {}

  std::uint64_t canon(double k) { return k == 0 ? 0 : bits(k); }
  std::size_t model_size() { return model_.size() + nans_.size(); }
  void check_size(const char* where) {
    FUZZ_CHECK(m_.size() == model_size(), "Map<double>: %s size %zu, model %zu", where, m_.size(), model_size());
  }

  void set(double k, std::int64_t v) {
    m_.set(k, v);
    if (std::isnan(k)) {
      nans_.insert(v);  // each NaN set is a new entry
    } else {
      model_[canon(k)] = {k, v};  // the key too: -0 replaces +0 (update_on_overwrite)
    }
  }
  void erase(double k) {
    m_.erase(k);
    if (!std::isnan(k)) model_.erase(canon(k));
  }
  void check_key(double k) {
    auto [v, ok] = m_.lookup(k);
    FUZZ_CHECK(ok == m_.contains(k), "Map<double>: lookup and contains disagree");
    if (std::isnan(k)) {
      FUZZ_CHECK(!ok && v == 0, "Map<double>: a NaN key was found");
      return;
    }
    auto it = model_.find(canon(k));
    FUZZ_CHECK(ok == (it != model_.end()), "Map<double>: key %a found=%d", k, ok);
    if (ok) FUZZ_CHECK(v == it->second.second, "Map<double>: key %a value %lld, model %lld", k, (long long)v,
                       (long long)it->second.second);
    FUZZ_CHECK(m_.get(k) == (ok ? v : 0), "Map<double>: get disagrees with lookup");
  }

  // A range, mutating non-NaN keys; NaN entries can only be removed by clear.
  void range(Bytes& in, bool mutate) {
    std::unordered_set<std::uint64_t> must, deleted, returned;
    for (auto& [c, kv] : model_) must.insert(c);
    std::multiset<std::int64_t> nans_left = nans_;
    bool cleared = false;
    std::size_t nan_count = 0;
    for (auto [k, v] : m_) {
      if (std::isnan(k)) {
        nan_count++;
        auto it = nans_left.find(v);
        FUZZ_CHECK(it != nans_left.end(), "Map<double> range: NaN entry with value %lld not in the model",
                   (long long)v);
        nans_left.erase(it);
      } else {
        std::uint64_t c = canon(k);
        // Once each, unless deleted (and so re-added) during the range, as
        // for the other key kinds: Go's spec lets an entry created during
        // iteration be produced.
        FUZZ_CHECK(returned.insert(c).second || deleted.count(c), "Map<double> range: key %a returned twice", k);
        auto it = model_.find(c);
        FUZZ_CHECK(it != model_.end(), "Map<double> range: key %a returned but not in the map", k);
        FUZZ_CHECK(bits(it->second.first) == bits(k), "Map<double> range: key %a returned, current key is %a", k,
                   it->second.first);
        FUZZ_CHECK(it->second.second == v, "Map<double> range: key %a value %lld, model %lld", k, (long long)v,
                   (long long)it->second.second);
      }
      if (!mutate) continue;
      std::uint8_t op = in.u8();
      if (op % 4 == 0) {
        double mk = float_key(in);
        if (!std::isnan(mk)) set(mk, in.u8());
      } else if (op % 4 == 1) {
        double mk = float_key(in);
        erase(mk);
        if (!std::isnan(mk)) deleted.insert(canon(mk));
      } else if (op == 2) {
        m_.clear();
        for (auto& [c, kv] : model_) deleted.insert(c);
        model_.clear();
        nans_.clear();
        cleared = true;
      }
    }
    for (std::uint64_t c : must) {
      if (deleted.count(c) == 0)
        FUZZ_CHECK(returned.count(c), "Map<double> range: key bits %llx never returned", (unsigned long long)c);
    }
    if (!cleared) FUZZ_CHECK(nan_count == nans_.size(), "Map<double> range: %zu NaN entries returned of %zu", nan_count,
                             nans_.size());
    check_size("after range");
  }

  void op(std::uint8_t code, Bytes& in) {
    switch (code) {
      case 0: case 1: case 2: case 3:
        set(float_key(in), in.u8());
        break;
      case 4: case 5:
        erase(float_key(in));
        break;
      case 6: case 7: case 8:
        check_key(float_key(in));
        break;
      case 9:
        if (in.u8() < 64) {
          m_.clear();
          model_.clear();
          nans_.clear();
        }
        break;
      case 10: {
        M c = m_.clone();
        M keep = m_;
        m_ = c;
        range(in, false);  // the clone holds every entry, NaNs included
        if (in.u8() & 1) {
          m_ = keep;
        } else {
          keep.set(12345.0, 1);
          keep.clear();
        }
        break;
      }
      case 11: case 12:
        range(in, true);
        break;
      case 13:
        if (in.u8() < 32) budget_.collect();
        range(in, false);
        break;
    }
    check_size("after op");
  }

  void finish() {
    Bytes none(nullptr, 0);
    range(none, false);
  }

 private:
  Budget& budget_;
  M m_;
  std::unordered_map<std::uint64_t, std::pair<double, std::int64_t>> model_;
  std::multiset<std::int64_t> nans_;
};

}  // namespace

void fuzz_body(const std::uint8_t* data, std::size_t size) {
  static bool configured = false;
  if (!configured) {
    configured = true;
    gc::collector().settings.checkmark = true;
    gc::collector().settings.poison = true;
  }
  Bytes in(data, size);
  Budget budget;
  Tester<IntKeys> ints(budget);
  Tester<StringKeys> strings(budget);
  FloatTester floats(budget);
  while (!in.done()) {
    std::uint8_t b = in.u8();
    std::uint8_t code = static_cast<std::uint8_t>((b / 3) % 14);
    switch (b % 3) {
      case 0: ints.op(code, in); break;
      case 1: strings.op(code, in); break;
      case 2: floats.op(code, in); break;
    }
  }
  ints.verify_all();
  strings.verify_all();
  floats.finish();
}
