// fuzz/host.h — hosting gort's runtime inside a libFuzzer binary.
//
// gort::run may run once per process and must own goroutine 1, while
// libFuzzer calls LLVMFuzzerTestOneInput on its own plain thread, once per
// input. So LLVMFuzzerInitialize boots the runtime once, on a helper thread
// (which becomes M0), and goroutine 1 serves inputs forever: it waits for the
// next input inside gort::blocking (its P released, so the collector and the
// other goroutines never wait for it), runs the target's body on it, and hands
// the result back. LLVMFuzzerTestOneInput only passes the bytes across and
// waits. Everything a target does with gort happens on goroutines.
//
// Failures: a target's model check prints what differed and calls abort();
// libFuzzer's SIGABRT handler saves the input (crash-<sha1>). gort's own fatal
// errors and unrecovered panics end the process with _exit(2) (Go's exit),
// which libFuzzer does not see, so this header interposes _exit: when an
// input is being run, it first writes it as <artifact_prefix>crash-gort-exit-N
// (libFuzzer's -artifact_prefix= is honoured).
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "fuzz/check.h"
#include "gort/gort.h"

namespace fuzz_host {

using Body = void (*)(const std::uint8_t*, std::size_t);

// Never destroyed: goroutine 1 still waits on them when libFuzzer calls
// exit(), and glibc's pthread_cond_destroy waits for its waiters.
inline std::mutex& g_mu = *new std::mutex;
inline std::condition_variable& g_cv = *new std::condition_variable;
inline const std::uint8_t* g_data = nullptr;
inline std::size_t g_size = 0;
inline bool g_have = false, g_done = false, g_booted = false;
inline std::atomic<const std::uint8_t*> g_current{nullptr};
inline std::atomic<std::size_t> g_current_size{0};
inline std::string g_artifact_prefix;

// Boots gort on a helper thread; returns once goroutine 1 is serving.
inline void boot(int* argc, char*** argv, Body body) {
  for (int i = 1; argc != nullptr && i < *argc; i++) {
    if (std::strncmp((*argv)[i], "-artifact_prefix=", 17) == 0) g_artifact_prefix = (*argv)[i] + 17;
  }
  std::thread([body] {
    gort::run([body] {
      {
        std::lock_guard<std::mutex> lk(g_mu);
        g_booted = true;
      }
      g_cv.notify_all();
      for (;;) {
        auto job = gort::blocking([] {
          std::unique_lock<std::mutex> lk(g_mu);
          g_cv.wait(lk, [] { return g_have; });
          g_have = false;
          return std::pair<const std::uint8_t*, std::size_t>{g_data, g_size};
        });
        body(job.first, job.second);
        {
          std::lock_guard<std::mutex> lk(g_mu);
          g_done = true;
        }
        g_cv.notify_all();
      }
      return 0;
    });
  }).detach();
  std::unique_lock<std::mutex> lk(g_mu);
  g_cv.wait(lk, [] { return g_booted; });
}

// Runs one input on goroutine 1 and waits for it.
inline void run_one(const std::uint8_t* data, std::size_t size) {
  g_current_size.store(size);
  g_current.store(data);
  {
    std::unique_lock<std::mutex> lk(g_mu);
    g_data = data;
    g_size = size;
    g_done = false;
    g_have = true;
    g_cv.notify_all();
    g_cv.wait(lk, [] { return g_done; });
  }
  g_current.store(nullptr);
}

}  // namespace fuzz_host

// gort's fatal path ends the process with _exit(2): save the input first.
extern "C" void _exit(int code) {
  const std::uint8_t* d = fuzz_host::g_current.load();
  if (d != nullptr && code != 0) {
    std::string path = fuzz_host::g_artifact_prefix + "crash-gort-exit-" + std::to_string(code);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      std::size_t n = fuzz_host::g_current_size.load(), off = 0;
      while (off < n) {
        ssize_t w = ::write(fd, d + off, n - off);
        if (w <= 0) break;
        off += static_cast<std::size_t>(w);
      }
      ::close(fd);
      static const char msg[] = "\nfuzz host: gort exited while running an input; saved it as ";
      (void)!::write(2, msg, sizeof msg - 1);
      (void)!::write(2, path.c_str(), path.size());
      (void)!::write(2, "\n", 1);
    }
  }
  ::syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

// Each gort-hosted target defines fuzz_body and includes this once.
void fuzz_body(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  fuzz_host::boot(argc, argv, &fuzz_body);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_host::run_one(data, size);
  return 0;
}

// LeakSanitizer's exit-time pass never finishes with gort's threads and
// goroutine stacks alive (and leaks mean little under a collector): off.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
