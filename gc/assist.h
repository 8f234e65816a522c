// gc/assist.h — mark assists: the scan work an allocating goroutine owes
// while the collector marks, the mark workers' credit that pays it, and the
// queue where a goroutine with nothing to scan waits for that credit
// (gc/assist.cc explains them).
#pragma once

#include <cstdint>

namespace gort::gc {

// An allocating goroutine is about to take `bytes` while the collector
// marks: it pays for them with mark work, or waits for the workers to.
// Outside any no-suspend stretch, holding no lock.
void assist_alloc(std::int64_t bytes);
// In the start pause: no credit carries over from the last cycle.
void assist_cycle_start();
// A mark worker scanned `bytes`: they pay the debts of waiting assists
// first (waking those paid in full), and the rest is credit for later ones
// (Go's gcFlushBgCredit).
void assist_flush_background_credit(std::int64_t bytes);
// After the mark has ended (the workers no longer enabled): every waiting
// assist goes on (Go's gcWakeAllAssists).
void assist_wake_all();

}  // namespace gort::gc
