//===- AtomicFile.cpp - write a whole file or nothing ---------------------===//

#include "attn/Support/AtomicFile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace attn {

namespace {
/// A file to write: its path and the pieces of its bytes, in order.
struct PendingFile {
  const std::string &path;
  std::vector<std::string_view> parts;
  std::string temporary = {};
};

/// "cannot write 'path': reason".
std::string cannotWrite(const std::string &path, int error) {
  return "cannot write '" + path + "': " + std::strerror(error);
}

/// A fresh name beside `path` (same directory, so the rename is atomic),
/// short whatever the length of path's own name, unique to this process
/// and call.
std::string temporaryBeside(const std::string &path) {
  static std::atomic<unsigned> counter{0};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  return dir + ".attn-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1)) + ".tmp";
}

/// Writes every piece to `fd`; false with errno set on failure.
bool writeParts(int fd, const std::vector<std::string_view> &parts) {
  for (std::string_view part : parts) {
    const char *data = part.data();
    size_t left = part.size();
    while (left > 0) {
      ssize_t n = ::write(fd, data, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        if (n == 0)
          errno = EIO;
        return false;
      }
      data += n;
      left -= size_t(n);
    }
  }
  return true;
}

bool writeAll(std::vector<PendingFile> &files, std::string &error) {
  // A rename fails over a directory: refuse before anything is replaced.
  for (const PendingFile &file : files) {
    struct stat info;
    if (::stat(file.path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      error = "cannot write '" + file.path + "': it is a directory";
      return false;
    }
  }
  size_t created = 0;
  auto removeTemporaries = [&](size_t from) {
    for (size_t i = from; i < created; ++i)
      ::unlink(files[i].temporary.c_str());
  };
  for (PendingFile &file : files) {
    // A temporary left by a crashed run of a process with the same pid
    // takes the name: try the next one.
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
      file.temporary = temporaryBeside(file.path);
      fd = ::open(file.temporary.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd < 0 && errno != EEXIST)
        break;
    }
    if (fd < 0) {
      int reason = errno;
      removeTemporaries(0);
      error = cannotWrite(file.path, reason);
      return false;
    }
    ++created; // remove it even when the write fails half-way
    bool ok = writeParts(fd, file.parts);
    int reason = errno;
    if (::close(fd) != 0 && ok) { // a full disk may show here
      ok = false;
      reason = errno;
    }
    if (!ok) {
      removeTemporaries(0);
      error = cannotWrite(file.path, reason);
      return false;
    }
  }
  for (size_t i = 0; i < files.size(); ++i)
    if (std::rename(files[i].temporary.c_str(), files[i].path.c_str()) != 0) {
      int reason = errno;
      removeTemporaries(i);
      error = cannotWrite(files[i].path, reason);
      return false;
    }
  return true;
}
} // namespace

bool writeFileAtomically(const std::string &path, const std::string &bytes,
                         std::string &error) {
  std::vector<PendingFile> files{{path, {bytes}}};
  return writeAll(files, error);
}

bool writeFileAtomically(const std::string &path,
                         std::initializer_list<std::string_view> parts,
                         std::string &error) {
  std::vector<PendingFile> files{{path, std::vector<std::string_view>(parts)}};
  return writeAll(files, error);
}

bool writeFilesAtomically(
    const std::vector<std::pair<std::string, std::string>> &files,
    std::string &error) {
  std::vector<PendingFile> pending;
  for (const auto &[path, bytes] : files)
    pending.push_back({path, {bytes}});
  return writeAll(pending, error);
}

} // namespace attn
