/* The classic chroot escape: chroot into a subdirectory, walk up, chroot("."). Under
   pivot_root it must list only the container's root. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  mkdir("/tmp/escape", 0755);
  if (chroot("/tmp/escape") != 0) { perror("chroot"); return 1; }
  for (int i = 0; i < 64; i++) if (chdir("..") != 0) break;
  if (chroot(".") != 0) { perror("chroot ."); return 1; }
  DIR *d = opendir("/");
  if (!d) { perror("opendir"); return 1; }
  struct dirent *e;
  while ((e = readdir(d))) printf("%s\n", e->d_name);
  return 0;
}
