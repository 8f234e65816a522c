// fuzz/chan_fuzz.cc — channel and select operation sequences against a model.
//
// Three channels of int64 (capacities 0..4 from the input, remade by an op)
// and a nil channel, driven by goroutine 1 with operations whose outcome the
// model decides exactly: try_send, try_recv, a blocking send/recv when the
// model says it cannot block, close, len/cap, and select over 1..4 cases
// (send or receive on any channel, nil included) with or without default.
// The model per channel is a FIFO deque, the capacity and the closed flag:
// a receive takes the oldest value; after close, receives drain the buffer,
// then give 0 and ok=false; a send on a closed channel panics `send on
// closed channel` (recovered and checked), a second close `close of closed
// channel`, close of nil `close of nil channel`. A select must pick a ready
// case (as the model defines readiness) and default only when none is.
//
// A "pipeline" op runs several goroutines on a fresh channel: 1..3 producers
// (blocking send, or select-send with default and yield), 1..3 consumers
// (range-for, recv_ok, or select with a quit channel and default), a closer
// after a WaitGroup. Checked: every value received exactly once, and each
// consumer sees each producer's values in the order they were sent.
#include <deque>
#include <string>
#include <vector>

#include "fuzz/host.h"
#include "gort/gort.h"

using fuzz_host::Bytes;
using gort::Chan;
using gort::detail::RecvStatus;

namespace {

struct Model {
  Chan<std::int64_t> ch;
  std::deque<std::int64_t> buf;
  std::size_t cap = 0;
  bool closed = false;
  bool nil = false;
  bool send_ready() const { return !nil && (closed || buf.size() < cap); }
  bool recv_ready() const { return !nil && (closed || !buf.empty()); }
};

// Runs f; returns the message of the panic it raised, or "" if none.
template <class F>
std::string panic_of(F&& f) {
  std::string msg;
  bool panicked = false;
  gort::func([&] {
    gort::Defer d([&] {
      if (auto r = gort::recover()) {
        panicked = true;
        msg = r.message();
      }
    });
    f();
  });
  return panicked ? (msg.empty() ? std::string("<empty panic>") : msg) : std::string();
}

class ChanTester {
 public:
  ChanTester() {
    for (int i = 0; i < 3; i++) remake(i, static_cast<std::size_t>(i));
    m_[3].nil = true;
  }

  void remake(int i, std::size_t cap) {
    m_[i] = Model{};
    m_[i].ch = gort::make_chan<std::int64_t>(static_cast<std::int64_t>(cap));
    m_[i].cap = cap;
  }

  void check_len(int i) {
    Model& m = m_[i];
    FUZZ_CHECK(m.ch.size() == m.buf.size(), "chan %d: len %zu, model %zu", i, m.ch.size(), m.buf.size());
    FUZZ_CHECK(m.ch.capacity() == m.cap, "chan %d: cap %zu, model %zu", i, m.ch.capacity(), m.cap);
  }

  void try_send(int i, std::int64_t v) {
    Model& m = m_[i];
    bool ok = false;
    std::string p = panic_of([&] { ok = m.ch.try_send(v); });
    if (m.closed) {
      FUZZ_CHECK(p == "send on closed channel", "chan %d: try_send on closed: panic \"%s\"", i, p.c_str());
      return;
    }
    FUZZ_CHECK(p.empty(), "chan %d: try_send panicked \"%s\"", i, p.c_str());
    FUZZ_CHECK(ok == m.send_ready(), "chan %d: try_send gave %d, model %d (len %zu cap %zu)", i, ok, m.send_ready(),
               m.buf.size(), m.cap);
    if (ok) m.buf.push_back(v);
  }

  void send(int i, std::int64_t v) {
    Model& m = m_[i];
    if (!m.send_ready()) return try_send(i, v);  // a blocking send would block forever
    std::string p = panic_of([&] { m.ch.send(v); });
    if (m.closed) {
      FUZZ_CHECK(p == "send on closed channel", "chan %d: send on closed: panic \"%s\"", i, p.c_str());
      return;
    }
    FUZZ_CHECK(p.empty(), "chan %d: send panicked \"%s\"", i, p.c_str());
    m.buf.push_back(v);
  }

  void expect_recv(int i, bool ok, std::int64_t v, const char* how) {
    Model& m = m_[i];
    if (!m.buf.empty()) {
      FUZZ_CHECK(ok && v == m.buf.front(), "chan %d %s: got (%lld,%d), want (%lld,1)", i, how, (long long)v, ok,
                 (long long)m.buf.front());
      m.buf.pop_front();
    } else {
      FUZZ_CHECK(m.closed, "chan %d %s: received from an empty open channel", i, how);
      FUZZ_CHECK(!ok && v == 0, "chan %d %s: closed and drained gave (%lld,%d)", i, how, (long long)v, ok);
    }
  }

  void try_recv(int i) {
    Model& m = m_[i];
    std::int64_t v = -1;
    RecvStatus st = m.ch.try_recv(v);
    if (!m.recv_ready()) {
      FUZZ_CHECK(st == RecvStatus::would_block, "chan %d: try_recv did not block (status %d)", i, (int)st);
      return;
    }
    FUZZ_CHECK(st != RecvStatus::would_block, "chan %d: try_recv blocked on a ready channel", i);
    expect_recv(i, st == RecvStatus::received, v, "try_recv");
  }

  void recv(int i) {
    if (!m_[i].recv_ready()) return try_recv(i);
    auto r = m_[i].ch.recv_ok();
    expect_recv(i, r.ok, r.value, "recv");
  }

  void close(int i) {
    Model& m = m_[i];
    std::string p = panic_of([&] { m.ch.close(); });
    if (m.nil) {
      FUZZ_CHECK(p == "close of nil channel", "close of nil: panic \"%s\"", p.c_str());
    } else if (m.closed) {
      FUZZ_CHECK(p == "close of closed channel", "chan %d: second close: panic \"%s\"", i, p.c_str());
    } else {
      FUZZ_CHECK(p.empty(), "chan %d: close panicked \"%s\"", i, p.c_str());
      m.closed = true;
    }
  }

  void select(Bytes& in) {
    std::uint8_t d = in.u8();
    int n = 1 + d % 4;
    bool with_default = (d >> 2) & 1;
    gort::detail::SelectCase sc[4];
    int which[4];
    std::int64_t vals[4], bufs[4];
    bool any_ready = false;
    for (int k = 0; k < n; k++) {
      std::uint8_t c = in.u8();
      which[k] = c % 4;
      bool is_send = (c >> 2) & 1;
      vals[k] = 1000 + in.u8();
      sc[k] = gort::detail::SelectCase{m_[which[k]].ch.raw(), is_send ? static_cast<void*>(&vals[k])
                                                                          : static_cast<void*>(&bufs[k]),
                                       is_send, false};
      any_ready |= is_send ? m_[which[k]].send_ready() : m_[which[k]].recv_ready();
    }
    if (!with_default && !any_ready) return;  // would block forever
    int chosen = -2;
    std::string p = panic_of([&] { chosen = gort::detail::select_go(sc, n, !with_default); });
    if (!p.empty()) {
      // Only a send case on a closed channel may panic.
      bool possible = false;
      for (int k = 0; k < n; k++) possible |= sc[k].is_send && m_[which[k]].closed && !m_[which[k]].nil;
      FUZZ_CHECK(possible && p == "send on closed channel", "select panicked \"%s\"", p.c_str());
      return;
    }
    if (chosen < 0) {
      FUZZ_CHECK(chosen == -1 && with_default && !any_ready, "select took default (%d) with a ready case", chosen);
      return;
    }
    FUZZ_CHECK(chosen < n, "select returned %d of %d", chosen, n);
    Model& m = m_[which[chosen]];
    if (sc[chosen].is_send) {
      FUZZ_CHECK(m.send_ready() && !m.closed, "select chose send case %d on chan %d, not ready", chosen,
                 which[chosen]);
      m.buf.push_back(vals[chosen]);
    } else {
      FUZZ_CHECK(m.recv_ready(), "select chose recv case %d on chan %d, not ready", chosen, which[chosen]);
      expect_recv(which[chosen], sc[chosen].recv_ok, sc[chosen].recv_ok ? bufs[chosen] : 0, "select recv");
    }
  }

  void pipeline(Bytes& in) {
    std::uint8_t d = in.u8();
    int producers = 1 + d % 3, consumers = 1 + (d >> 2) % 3;
    int per = 1 + in.u8() % 40;
    std::int64_t cap = in.u8() % 4;
    std::uint8_t styles = in.u8();
    auto c = gort::make_chan<std::int64_t>(cap);
    auto quit = gort::make_chan<int>(0);  // never closed: a select case that never fires
    auto done = gort::make_chan<int>(consumers);
    std::vector<std::vector<std::int64_t>> got(static_cast<std::size_t>(consumers));
    gort::WaitGroup wg;
    wg.add(producers);
    for (int p = 0; p < producers; p++) {
      bool polite = (styles >> p) & 1;
      gort::go([c, p, per, polite, &wg] {
        for (int s = 0; s < per; s++) {
          std::int64_t v = p * 1000 + s;
          if (!polite) {
            c.send(v);
          } else {
            for (bool sent = false; !sent;) {
              gort::select(gort::case_send(c, v, [&] { sent = true; }), gort::case_default([] { gort::yield(); }));
            }
          }
        }
        wg.done();
      });
    }
    gort::go([c, &wg] {
      wg.wait();
      c.close();
    });
    for (int q = 0; q < consumers; q++) {
      int style = (styles >> (3 + 2 * q)) % 3;
      std::vector<std::int64_t>* out = &got[static_cast<std::size_t>(q)];
      bool polling = cap > 0;
      gort::go([c, quit, done, style, out, polling] {
        bool open = true;
        if (style == 0) {
          for (std::int64_t v : c) out->push_back(v);
        } else if (style == 1) {
          for (;;) {
            auto r = c.recv_ok();
            if (!r.ok) {
              FUZZ_CHECK(r.value == 0, "recv after close gave %lld", (long long)r.value);
              break;
            }
            out->push_back(r.value);
          }
        } else {
          auto on_value = [&](std::int64_t v, bool ok) {
            if (ok) out->push_back(v);
            else open = false;
          };
          auto on_quit = [&](int, bool) { FUZZ_CHECK(false, "quit fired"); };
          for (; open;) {
            // With default only on a buffered channel: on an unbuffered one a
            // polling receiver and a polling sender never meet (as in Go).
            if (polling) {
              gort::select(gort::case_recv(c, on_value), gort::case_recv(quit, on_quit),
                           gort::case_default([] { gort::yield(); }));
            } else {
              gort::select(gort::case_recv(c, on_value), gort::case_recv(quit, on_quit));
            }
          }
        }
        done.send(1);
      });
    }
    for (int q = 0; q < consumers; q++) done.recv();
    std::vector<int> count(static_cast<std::size_t>(producers * per), 0);
    for (int q = 0; q < consumers; q++) {
      std::vector<std::int64_t> last(static_cast<std::size_t>(producers), -1);
      for (std::int64_t v : got[static_cast<std::size_t>(q)]) {
        int p = static_cast<int>(v / 1000), s = static_cast<int>(v % 1000);
        FUZZ_CHECK(p >= 0 && p < producers && s >= 0 && s < per, "pipeline: bogus value %lld", (long long)v);
        FUZZ_CHECK(s > last[static_cast<std::size_t>(p)], "pipeline: consumer %d got producer %d's %d after %lld", q,
                   p, s, (long long)last[static_cast<std::size_t>(p)]);
        last[static_cast<std::size_t>(p)] = s;
        count[static_cast<std::size_t>(p * per + s)]++;
      }
    }
    for (int i = 0; i < producers * per; i++)
      FUZZ_CHECK(count[static_cast<std::size_t>(i)] == 1, "pipeline: value %d received %d times", (i / per) * 1000 + i % per,
                 count[static_cast<std::size_t>(i)]);
    std::int64_t v = -1;
    FUZZ_CHECK(c.try_recv(v) == RecvStatus::closed && v == 0 && c.size() == 0, "pipeline: channel not closed and empty");
  }

  void op(Bytes& in) {
    std::uint8_t b = in.u8();
    int i = (b >> 4) % 4;  // 3: the nil channel
    switch (b % 12) {
      case 0: case 1: try_send(i, in.u8()); break;
      case 2: send(i, in.u8()); break;
      case 3: case 4: try_recv(i); break;
      case 5: recv(i); break;
      case 6: if (in.u8() < 64) close(i); break;
      case 7: case 8: select(in); break;
      case 9: if (i < 3) remake(i, in.u8() % 5); break;
      case 10: if (in.u8() < 48) pipeline(in); break;
      case 11:
        // Drain: receive until the model says the channel would block.
        while (i < 3 && !m_[i].buf.empty()) recv(i);
        break;
    }
    for (int k = 0; k < 3; k++) check_len(k);
  }

 private:
  Model m_[4];
};

}  // namespace

void fuzz_body(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  ChanTester t;
  int ops = 0;
  while (!in.done() && ops++ < 4000) t.op(in);
}
