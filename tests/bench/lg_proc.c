/*
 * lg_proc.c - the server's CPU time and resident memory, read from
 * /proc/PID/stat (utime + stime, all threads, in clock ticks) and
 * /proc/PID/status (VmRSS).
 */
#include "lg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_file(pid_t pid, const char *name, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n > 0 ? 0 : -1;
}

int lg_proc_cpu_us(pid_t pid, double *us)
{
    char buf[2048];
    if (read_file(pid, "stat", buf, sizeof buf) < 0)
        return -1;
    /* comm (field 2) may hold spaces and parentheses: fields after the
     * last ')' start at 3 (state); utime and stime are 14 and 15. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p++;
    unsigned long long ut = 0, st = 0;
    for (int field = 3; field <= 15; field++) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return -1;
        if (field == 14)
            ut = strtoull(p, NULL, 10);
        if (field == 15)
            st = strtoull(p, NULL, 10);
        p += strcspn(p, " ");
    }
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return -1;
    *us = (double)(ut + st) * 1e6 / (double)hz;
    return 0;
}

int lg_proc_rss_kib(pid_t pid, long *kib)
{
    char buf[8192];
    if (read_file(pid, "status", buf, sizeof buf) < 0)
        return -1;
    char *p = strstr(buf, "\nVmRSS:");
    if (!p)
        return -1;
    *kib = strtol(p + 7, NULL, 10);
    return 0;
}
