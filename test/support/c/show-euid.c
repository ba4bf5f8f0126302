/* Prints the real and effective uid: installed setuid-root in the image for issue 10. */
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid()); return 0; }
