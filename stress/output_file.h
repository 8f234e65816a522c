// stress/output_file.h — files gort-stress writes at the end of a run
// (--report), checked before the run so that a bad path fails at once with
// exit status 2 instead of after minutes of work.
#pragma once

#include <string>

namespace stress {

// Whether `path` can be written, without creating or changing anything: it
// names no directory, and either exists and is writable, or its directory
// exists and is writable. Returns an empty string if so, else a phrase such
// as "cannot write 'x/r.html': directory 'x' does not exist".
std::string check_writable(const std::string& path);

// Writes `content` to `path` (created or truncated). Returns an empty string,
// or what went wrong ("cannot write '/dev/full': No space left on device").
std::string write_file(const std::string& path, const std::string& content);

}  // namespace stress
