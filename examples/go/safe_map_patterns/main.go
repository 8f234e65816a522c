// Four ways to share a map safely: Mutex, RWMutex, 16 shards, sync.Map, on
// one workload (4 goroutines x 200,000 ops on 4,096 keys, 90% reads);
// every read and the final contents are checked; throughput side by side.
package main

import (
	"fmt"
	"math/rand"
	"sync"
	"time"
)

const (
	goroutines = 4
	ops        = 200000
	keys       = 4096
	shards     = 16
)

type store interface {
	Load(k int64) (int64, bool)
	Store(k, v int64)
}

type mutexMap struct {
	mu sync.Mutex
	m  map[int64]int64
}

func (s *mutexMap) Load(k int64) (int64, bool) { s.mu.Lock(); defer s.mu.Unlock(); v, ok := s.m[k]; return v, ok }
func (s *mutexMap) Store(k, v int64)           { s.mu.Lock(); s.m[k] = v; s.mu.Unlock() }

type rwMap struct {
	mu sync.RWMutex
	m  map[int64]int64
}

func (s *rwMap) Load(k int64) (int64, bool) { s.mu.RLock(); defer s.mu.RUnlock(); v, ok := s.m[k]; return v, ok }
func (s *rwMap) Store(k, v int64)           { s.mu.Lock(); s.m[k] = v; s.mu.Unlock() }

type shardedMap [shards]mutexMap

func (s *shardedMap) shard(k int64) *mutexMap   { return &s[uint64(k)*0x9e3779b97f4a7c15>>60] }
func (s *shardedMap) Load(k int64) (int64, bool) { return s.shard(k).Load(k) }
func (s *shardedMap) Store(k, v int64)           { s.shard(k).Store(k, v) }

type syncMap struct{ m sync.Map }

func (s *syncMap) Load(k int64) (int64, bool) {
	v, ok := s.m.Load(k)
	if !ok {
		return 0, false
	}
	return v.(int64), true
}
func (s *syncMap) Store(k, v int64) { s.m.Store(k, v) }

func run(m store) (time.Duration, bool) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	written := map[int64]bool{}
	start := time.Now()
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g + 1)))
			mine := map[int64]bool{}
			for op := 0; op < ops; op++ {
				k := rng.Int63n(keys)
				if rng.Intn(10) == 0 {
					m.Store(k, k*7)
					mine[k] = true
				} else if v, ok := m.Load(k); ok && v != k*7 {
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}
			mu.Lock()
			for k := range mine {
				written[k] = true
			}
			mu.Unlock()
		}(g)
	}
	wg.Wait()
	d := time.Since(start)
	ok := bad == 0
	for k := int64(0); k < keys; k++ {
		v, present := m.Load(k)
		if present != written[k] || (present && v != k*7) {
			ok = false
		}
	}
	return d, ok
}

func main() {
	rows := []struct {
		name string
		m    store
	}{
		{"Mutex + Map", &mutexMap{m: map[int64]int64{}}},
		{"RWMutex + Map", &rwMap{m: map[int64]int64{}}},
		{"16 shards", func() *shardedMap {
			s := &shardedMap{}
			for i := range s {
				s[i].m = map[int64]int64{}
			}
			return s
		}()},
		{"SyncMap", &syncMap{}},
	}
	fmt.Printf("%-16s %10s %8s %6s %8s  %s\n", "pattern", "goroutines", "ops", "ms", "Mops/s", "check")
	total := float64(goroutines * ops)
	for _, r := range rows {
		d, ok := run(r.m)
		ms := float64(d.Microseconds()) / 1000
		check := "ok"
		if !ok {
			check = "FAILED"
		}
		fmt.Printf("%-16s %10d %8.0f %6.1f %8.2f  %s\n", r.name, goroutines, total, ms, total/ms/1000, check)
	}
}
