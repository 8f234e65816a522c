// stress/output_file.cc — see output_file.h.
#include "output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace stress {

std::string check_writable(const std::string& path) {
  std::string what = "cannot write '" + path + "': ";
  if (path.empty()) return "needs a file name";
  if (path.back() == '/') return what + "it names a directory";
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return what + "it is a directory";
    if (access(path.c_str(), W_OK) != 0) return what + std::strerror(errno);
    return {};
  }
  if (errno != ENOENT) return what + std::strerror(errno);
  std::string dir = ".";
  if (std::size_t slash = path.rfind('/'); slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return what + "directory '" + dir + "' does not exist";
    return what + "directory '" + dir + "': " + std::strerror(errno);
  }
  if (!S_ISDIR(st.st_mode)) return what + "'" + dir + "' is not a directory";
  if (access(dir.c_str(), W_OK | X_OK) != 0) return what + "directory '" + dir + "': " + std::strerror(errno);
  return {};
}

std::string write_file(const std::string& path, const std::string& content) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return "cannot write '" + path + "': " + std::strerror(errno);
  std::size_t n = std::fwrite(content.data(), 1, content.size(), f);
  int write_errno = errno;
  bool flushed = std::fflush(f) == 0;
  int flush_errno = errno;
  bool closed = std::fclose(f) == 0;
  int close_errno = errno;
  if (n != content.size()) return "cannot write '" + path + "': " + std::strerror(write_errno);
  if (!flushed) return "cannot write '" + path + "': " + std::strerror(flush_errno);
  if (!closed) return "cannot write '" + path + "': " + std::strerror(close_errno);
  return {};
}

}  // namespace stress
