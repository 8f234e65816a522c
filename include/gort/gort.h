// gort/gort.h — the whole public API of the gort runtime.
#pragma once

#include "gort/chan.h"
#include "gort/debug.h"
#include "gort/gc.h"
#include "gort/map.h"
#include "gort/panic.h"
#include "gort/sched.h"
#include "gort/sync.h"
#include "gort/sync_map.h"
#include "gort/time.h"
