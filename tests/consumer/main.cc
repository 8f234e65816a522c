// tests/consumer/main.cc — the whole program of the out-of-tree consumer: two
// producer goroutines, a closer, and main summing what they send.
#include <gort/gort.h>

#include <cstdio>

int main() {
  return gort::run([]() -> int {
    auto c = gort::make_chan<int>();
    gort::WaitGroup wg;
    wg.add(2);
    for (int w = 0; w < 2; w++) {
      gort::go([c, &wg] {
        for (int i = 1; i <= 100; i++) c.send(i);
        wg.done();
      });
    }
    gort::go([c, &wg] {
      wg.wait();
      c.close();
    });
    long sum = 0;
    for (int v : c) sum += v;
    if (sum != 2 * 5050) {
      std::printf("consumer: wrong sum %ld, want %d\n", sum, 2 * 5050);
      return 1;
    }
    std::printf("consumer ok\n");
    return 0;
  });
}
