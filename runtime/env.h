// runtime/env.h — configuration read from the environment at boot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gort::runtime {

// Go's atoi32: optional '-', decimal digits only, no overflow. nullopt otherwise.
std::optional<std::int32_t> atoi32(std::string_view s);

// GOMAXPROCS as Go reads it: a positive decimal number, else the CPU count of
// the process's affinity mask. gort caps it at 1024 Ps.
std::int32_t gomaxprocs_from_env(const char* value, std::int32_t ncpu);

// A byte count with an optional K/M/G suffix (binary units): "256K", "1M", "65536".
std::optional<std::size_t> parse_size(std::string_view s);

std::int32_t online_cpus();

}  // namespace gort::runtime
