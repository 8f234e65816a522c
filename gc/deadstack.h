// gc/deadstack.h — clearing the dead part of a goroutine stack, for
// gccheckmark.
//
// The stack scan is conservative: it reads every word from the stack pointer
// up. Below that pointer lies memory the goroutine used earlier and will
// reuse: old frames, with the addresses they held, possibly of objects that
// have died since. The scan never reads it, and must not: that memory is not
// live. But once the goroutine runs again, code may copy a word of it up into
// a live frame without it being a real value — padding copied with a struct,
// an unused field, a register that held an uninitialised local and is pushed
// by the next call's prologue. No correct program uses such a value; the
// collector may free what it points to. gccheckmark, which re-scans stacks
// conservatively and holds every word of the scanned part against the
// concurrent mark, would then report a missed object that is garbage.
//
// So with gccheckmark on, the concurrent stack scan clears the dead part of
// each stack it scans while it holds the goroutine still (a memset and a
// madvise per stack per cycle, paid only in that verification mode). That
// was meant to let the check hold every later word against the mark; it
// does not suffice, for the reason below, and the check now holds only
// words unchanged since the scan. The clearing stays: it keeps stale
// addresses from being copied up, so the check's lenient pass retains less.
//
// The live part holds stale words too: a slot of a live frame that no
// variable uses right now keeps whatever an earlier frame left there, and
// later stores rewrite parts of it — a bool, an int, a float, characters, a
// struct laid over the slot whose padding keeps the old bytes, or a struct
// copied whole, padding and all, into another slot. A stale or partly
// rewritten address can be the first byte of an object the program never
// held. gort-stress --verify and the SyncMap stress showed each of these as
// a reported miss (the scan's record, below, gave the word then and now):
//   * a select case's two flag bytes, stored with one 16-bit move over a
//     slot whose upper six bytes were an old address: 0x…0000 at the scan,
//     0x…0100 at the check;
//   * std::to_string's digits over a stale heap address: 0x…3235 ("52")
//     became 0x…3830 ("80"), the start of a map item;
//   * std::unordered_set's max load factor, the float 1.0f (0x3f800000),
//     over the low half of a stale stack address that shared its upper half
//     with the heap: the start of a graph node;
//   * zero, or a poison or code address, at the scan, and at the check the
//     address of a SyncMap read-only map ending in 0x00: a pointer the
//     goroutine held legitimately after the scan (so marked) and a one-byte
//     store that then set its low byte to zero, making it the start of an
//     unmarked neighbour.
// No rule on the word's value tells these apart from a pointer obtained
// after the scan. So the scan records the words it read that held heap
// addresses (only those: the check asks only about words that hold one
// now), and the check holds a word against the mark only while it is what
// the scan read there (mark.cc, changed_since_scan): then the scan saw that very value,
// and the concurrent mark must have marked its object and everything the
// object reaches. A word written since is marked by the check's lenient
// pass but not held against the mark. Heap words, root handles and closures
// are held strictly whatever their history.
//
// The barrier tests need the other half, a pointer a goroutine obtained
// after its scan (the Yuasa case): they vouch for the word that holds it
// (gc/testing.h, check_stack_word), and the check holds that word strictly.
#pragma once

#include <cstddef>

#include <cstdint>

namespace gort::detail {
struct G;
}

namespace gort::gc {

// Zeroes gp's stack from its low end (above the overflow canary) up to sp,
// which must be the lowest live address of a goroutine held still (its saved
// context, or a suspended stack pointer less the red zone). Pages wholly
// below sp go back to the OS (they read as zeros after). False if there was
// nothing to clear (no stack, or sp not inside it).
bool clear_dead_stack(gort::detail::G* gp, std::uintptr_t sp);

// Records gp's stack words from gp->gcscan_sp up that hold heap addresses,
// as its scan has just read them, in gp->gcscan_pairs (kept with the G,
// grown as needed, freed when the goroutine exits). Call while gp is still
// held. Without memory for the record, leaves none.
void record_scanned_stack(gort::detail::G* gp);

// What the word at addr of gp's stack held when its scan of this cycle read
// it: the recorded value above the scan point, zero below it when the scan
// cleared the dead stack there; zero too for a word that held no heap
// address. False when that is not known.
bool scanned_word(const gort::detail::G* gp, std::uintptr_t addr, std::uintptr_t* value);

// Whether a test vouches for the stack word at addr (gc/testing.h).
bool stack_word_checked_by_test(std::uintptr_t addr);

}  // namespace gort::gc
