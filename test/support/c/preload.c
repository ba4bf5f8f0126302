/* An LD_PRELOAD library that leaves a marker file when a dynamically linked program loads it. */
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void) {
  int fd = open(BERTH_MARKER, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) { (void)write(fd, "loaded\n", 7); close(fd); }
}
