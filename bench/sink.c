/*
 * sink.c - the load generator's own ceiling: an HTTP/1.1 server that reads
 * each request's head, skips Content-Length bytes of body without looking
 * at them, and answers a fixed 200 with a two-byte JSON body. One thread, one
 * epoll loop, no parsing beyond the length. Whatever loadgen reaches against
 * it is the most loadgen can measure on this machine; a server figure near
 * that ceiling says "the generator was the limit", one far below it says
 * the server was.
 *
 *   sink PORT      (127.0.0.1 only; stops on SIGINT/SIGTERM)
 */
#define _GNU_SOURCE /* memmem, accept4 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define SINK_HEAD_MAX 16384

struct sink_conn {
    int fd;
    char head[SINK_HEAD_MAX];
    size_t hlen;
    long long body_left; /* -1 while reading the head */
};

static const char sink_answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 2\r\n\r\n{}";

/* The Content-Length of a complete head, or -1. */
static long long head_length(const char *head, size_t len)
{
    const char *p = head;
    const char *end = head + len;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        p++;
        if ((size_t)(end - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
            return strtoll(p + 15, NULL, 10);
        }
    }
    return 0;
}

/* Reads what is there; 0 to keep the connection, -1 to close it. */
static int sink_read(struct sink_conn *c)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r == 0) {
            return -1;
        }
        if (r < 0) {
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        }
        size_t off = 0;
        while (off < (size_t)r) {
            if (c->body_left < 0) { /* gather the head */
                size_t take = (size_t)r - off;
                if (take > sizeof c->head - c->hlen) {
                    take = sizeof c->head - c->hlen;
                }
                memcpy(c->head + c->hlen, buf + off, take);
                char *e = memmem(c->head, c->hlen + take, "\r\n\r\n", 4);
                if (e == NULL) {
                    c->hlen += take;
                    off += take;
                    if (c->hlen == sizeof c->head) {
                        return -1; /* a head longer than we keep */
                    }
                    continue;
                }
                size_t used = (size_t)(e + 4 - c->head) - c->hlen;
                c->body_left = head_length(c->head, (size_t)(e + 4 - c->head));
                c->hlen = 0;
                off += used;
            }
            size_t skip = (size_t)r - off;
            if ((long long)skip > c->body_left) {
                skip = (size_t)c->body_left;
            }
            c->body_left -= (long long)skip;
            off += skip;
            if (c->body_left == 0) {
                if (write(c->fd, sink_answer, sizeof sink_answer - 1) !=
                    (ssize_t)(sizeof sink_answer - 1)) {
                    return -1; /* a tiny answer on an idle socket: a short write is a failure */
                }
                c->body_left = -1;
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sink PORT\n");
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    (void)setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10)),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 512) != 0) {
        perror("sink: listen");
        return 1;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    ev.data.ptr = &sfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    printf("sink listening\n");
    fflush(stdout);
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &sfd) {
                close(ep);
                return 0; /* open connections die with the process */
            }
            if (evs[i].data.ptr == NULL) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct sink_conn *c = calloc(1, sizeof *c);
                    if (c == NULL) {
                        close(fd);
                        continue;
                    }
                    c->fd = fd;
                    c->body_left = -1;
                    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLET, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            struct sink_conn *c = evs[i].data.ptr;
            if (sink_read(c) != 0) {
                close(c->fd);
                free(c);
            }
        }
    }
}
