// The benchmark's host comparison for the user pager: Linux userfaultfd doing the same round
// trip Zirconia's pager does — a thread touches a missing page, the kernel queues an event, a
// handler thread reads it and supplies the page (UFFDIO_COPY), the toucher resumes.
#define _GNU_SOURCE
#include "CHostSupport.h"

#if defined(__linux__)

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct uffd_handler {
    int fd;
    int pages;
    long page_size;
    char *source;
};

static void *uffd_serve(void *raw) {
    struct uffd_handler *handler = raw;
    for (int served = 0; served < handler->pages;) {
        struct uffd_msg msg;
        ssize_t got = read(handler->fd, &msg, sizeof msg);
        if (got != (ssize_t)sizeof msg) {
            if (got < 0 && errno == EINTR) continue;
            return NULL;
        }
        if (msg.event != UFFD_EVENT_PAGEFAULT) continue;
        struct uffdio_copy copy = {
            .dst = msg.arg.pagefault.address & ~((unsigned long long)handler->page_size - 1),
            .src = (unsigned long long)(unsigned long)handler->source,
            .len = (unsigned long long)handler->page_size,
            .mode = 0,
        };
        if (ioctl(handler->fd, UFFDIO_COPY, &copy) != 0 && errno != EEXIST) return NULL;
        served++;
    }
    return NULL;
}

int zirconia_userfaultfd_roundtrips(int pages, unsigned long long *elapsed_ns) {
    if (pages <= 0 || elapsed_ns == NULL) return -EINVAL;
    long page_size = sysconf(_SC_PAGESIZE);
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (fd < 0) return -errno;
    struct uffdio_api api = { .api = UFFD_API, .features = 0 };
    if (ioctl(fd, UFFDIO_API, &api) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    size_t length = (size_t)pages * (size_t)page_size;
    char *region = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *source = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED || source == MAP_FAILED) {
        close(fd);
        return -ENOMEM;
    }
    memset(source, 0x5a, (size_t)page_size);
    struct uffdio_register reg = {
        .range = { .start = (unsigned long long)(unsigned long)region, .len = length },
        .mode = UFFDIO_REGISTER_MODE_MISSING,
    };
    int result = 0;
    if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0) {
        result = -errno;
    } else {
        struct uffd_handler handler = { .fd = fd, .pages = pages, .page_size = page_size, .source = source };
        pthread_t thread;
        struct timespec start, stop;
        if (pthread_create(&thread, NULL, uffd_serve, &handler) != 0) {
            result = -EAGAIN;
        } else {
            clock_gettime(CLOCK_MONOTONIC, &start);
            volatile unsigned long sum = 0;
            for (int i = 0; i < pages; i++) sum += (unsigned char)region[(size_t)i * (size_t)page_size];
            clock_gettime(CLOCK_MONOTONIC, &stop);
            pthread_join(thread, NULL);
            (void)sum;
            *elapsed_ns = (unsigned long long)(stop.tv_sec - start.tv_sec) * 1000000000ull
                + (unsigned long long)(stop.tv_nsec - start.tv_nsec);
        }
    }
    munmap(region, length);
    munmap(source, (size_t)page_size);
    close(fd);
    return result;
}
#else
int zirconia_userfaultfd_roundtrips(int pages, unsigned long long *elapsed_ns) {
    (void)pages;
    (void)elapsed_ns;
    return -38;
}
#endif
